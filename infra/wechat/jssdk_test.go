package wechat

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	vectorTicket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
	vectorNonce  = "Wm3WZYTPz0wzccnW"
	vectorTS     = 1414587457
	vectorURL    = "http://mp.weixin.qq.com?params=value"
)

func sha1hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// sortedSHA1 is cardSign computed apart from SignCard: the nonce is random,
// so its place in the order is found by sorting here.
func sortedSHA1(vals ...string) string {
	sort.Strings(vals)
	return sha1hex(strings.Join(vals, ""))
}

func TestSignJSConfigOfficialVector(t *testing.T) {
	got := SignJSConfig(vectorTicket, vectorNonce, vectorTS, vectorURL)
	require.Equal(t, "0f9de62fce790f9a083d5c99e95740ceb90c27ed", got)
	// The same string written out by hand.
	require.Equal(t, sha1hex("jsapi_ticket=sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"+
		"&noncestr=Wm3WZYTPz0wzccnW&timestamp=1414587457&url=http://mp.weixin.qq.com?params=value"), got)
}

func TestSignCardComputedExample(t *testing.T) {
	got := SignCard(vectorTicket, "wx0000000000000000", 1489030247, "p6N7WOAFk0hGdSXK")
	require.Equal(t, "ef8dce0ed6a02557440445c35dcc97d94113843f", got)
	// Sorted by bytes by hand: digits < upper case < lower case, and "p" < "s" < "w".
	require.Equal(t, sha1hex("1489030247"+"INVOICE"+"p6N7WOAFk0hGdSXK"+vectorTicket+"wx0000000000000000"), got)
}

func TestSignCardOrderIsByBytes(t *testing.T) {
	// Digits first, then "AAAA" before "INVOICE" ('A' < 'I'), then lower case.
	got := SignCard("zzTicket", "wx1", 42, "AAAA")
	require.Equal(t, sha1hex("42"+"AAAA"+"INVOICE"+"wx1"+"zzTicket"), got)
}

func TestNonce(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		n := nonce()
		require.Len(t, n, 16)
		for _, r := range n {
			require.Contains(t, nonceAlphabet, string(r))
		}
		require.False(t, seen[n])
		seen[n] = true
	}
}

func TestJSConfigOA(t *testing.T) {
	f := newFake(t)
	now := time.Unix(1700000000, 0)
	c := f.oa(Options{Now: func() time.Time { return now }})
	cfg, err := c.JSConfig(context.Background(), "https://h5.example.com/import?x=1#/step2")
	require.NoError(t, err)
	require.Equal(t, fakeAppID, cfg.AppID)
	require.Equal(t, int64(1700000000), cfg.Timestamp)
	require.Nil(t, cfg.Agent)
	require.Equal(t, sha1hex("jsapi_ticket=ticket-jsapi&noncestr="+cfg.NonceStr+"&timestamp=1700000000&url=https://h5.example.com/import?x=1"), cfg.Signature)
	require.Contains(t, f.query("/cgi-bin/ticket/getticket", 0), "type=jsapi")

	sign, err := c.ChooseInvoiceSign(context.Background())
	require.NoError(t, err)
	require.Equal(t, "SHA1", sign.SignType)
	require.Equal(t, sortedSHA1("1700000000", "INVOICE", sign.NonceStr, "ticket-wx_card", fakeAppID), sign.CardSign)
	require.Equal(t, 2, f.count("/cgi-bin/ticket/getticket"))

	// Warm: no further calls.
	_, err = c.JSConfig(context.Background(), "https://h5.example.com/")
	require.NoError(t, err)
	require.Equal(t, 2, f.count("/cgi-bin/ticket/getticket"))
	require.Equal(t, 1, f.count("/cgi-bin/stable_token"))
}

func TestJSConfigWork(t *testing.T) {
	f := newFake(t)
	now := time.Unix(1700000000, 0)
	c := f.work(Options{Now: func() time.Time { return now }})
	const page = "https://h5.example.com/work?a=b"
	cfg, err := c.JSConfig(context.Background(), page)
	require.NoError(t, err)
	require.Equal(t, fakeCorpID, cfg.AppID)
	require.Equal(t, sha1hex("jsapi_ticket=ticket-corp&noncestr="+cfg.NonceStr+"&timestamp=1700000000&url="+page), cfg.Signature)
	require.NotNil(t, cfg.Agent)
	require.Equal(t, fakeCorpID, cfg.Agent.CorpID)
	require.Equal(t, fakeAgentID, cfg.Agent.AgentID)
	require.Equal(t, sha1hex("jsapi_ticket=ticket-agent_config&noncestr="+cfg.Agent.NonceStr+"&timestamp=1700000000&url="+page), cfg.Agent.Signature)

	sign, err := c.ChooseInvoiceSign(context.Background())
	require.NoError(t, err)
	require.Equal(t, sortedSHA1("1700000000", "INVOICE", sign.NonceStr, "ticket-wx_card", fakeCorpID), sign.CardSign)
	require.Equal(t, 1, f.count("/cgi-bin/get_jsapi_ticket"))
	require.Equal(t, 2, f.count("/cgi-bin/ticket/get"))
	require.Equal(t, 1, f.count("/cgi-bin/gettoken"))
}

func BenchmarkJSConfig(b *testing.B) {
	f := newFake(b)
	c := f.oa(Options{})
	ctx := context.Background()
	if _, err := c.JSConfig(ctx, "https://h5.example.com/"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.JSConfig(ctx, "https://h5.example.com/import?x=1"); err != nil {
			b.Fatal(err)
		}
	}
}
