package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/baoxiao/baoxiao/domain"
)

// WebhookTargets decides which hosts webhooks may reach. Deliveries are
// requests the server makes to URLs admins type, so without a rule they
// could reach the server's own network (blind SSRF): loopback, link-local
// (169.254.169.254, the cloud metadata service), private and other
// non-public addresses are refused unless the operator's allow-list
// (webhooks.allow_hosts) names the host or a range holding the address.
// The check runs when an endpoint is added and again on the address each
// delivery actually dials, after DNS, so a name that later resolves
// elsewhere (DNS rebinding) gets no further.
type WebhookTargets struct {
	hosts    map[string]bool // lower-case host names and IP literals
	prefixes []netip.Prefix
}

// NewWebhookTargets reads the allow-list: host names, IP addresses or
// CIDR ranges. Empty allows public addresses only.
func NewWebhookTargets(allow []string) (*WebhookTargets, error) {
	t := &WebhookTargets{hosts: map[string]bool{}}
	for _, a := range allow {
		a = strings.ToLower(strings.TrimSpace(a))
		switch {
		case a == "":
		case strings.Contains(a, "/"):
			p, err := netip.ParsePrefix(a)
			if err != nil {
				return nil, fmt.Errorf("webhooks.allow_hosts: %q is not a CIDR range", a)
			}
			t.prefixes = append(t.prefixes, p.Masked())
		default:
			if ip, err := netip.ParseAddr(strings.Trim(a, "[]")); err == nil {
				t.prefixes = append(t.prefixes, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
				continue
			}
			t.hosts[strings.TrimSuffix(a, ".")] = true
		}
	}
	return t, nil
}

// nonPublic are ranges beyond the standard library's predicates that no
// webhook receiver on the Internet uses.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: embeds any IPv4 address
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("2002::/16"),       // 6to4: embeds any IPv4 address
	netip.MustParsePrefix("2001::/32"),       // Teredo
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("100::/64"),        // discard
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated)
	netip.MustParsePrefix("192.88.99.0/24"),  // 6to4 relay
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
}

// PublicAddr reports whether ip is an ordinary Internet address.
func PublicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// AllowsHost reports whether the allow-list names host itself; a named
// host may be dialled at any address.
func (t *WebhookTargets) AllowsHost(host string) bool {
	return t != nil && t.hosts[strings.TrimSuffix(strings.ToLower(host), ".")]
}

// AllowsIP reports whether a delivery may dial ip: a public address, or
// one in an allowed range.
func (t *WebhookTargets) AllowsIP(ip netip.Addr) bool {
	ip = ip.Unmap()
	if t != nil {
		for _, p := range t.prefixes {
			if p.Contains(ip) {
				return true
			}
		}
	}
	return PublicAddr(ip)
}

// ErrAddressRefused is a dial to an address the targets do not allow: a
// request that retrying will not let through.
var ErrAddressRefused = errors.New("not a public address")

// errTargetRefused is the client's answer: which address, not the rule.
func errTargetRefused(host, addr string) error {
	msg := "must not point at a loopback, link-local or private address"
	if addr != "" && addr != host {
		msg += " (" + host + " resolves to " + addr + ")"
	}
	return domain.Invalid("url", msg+"; an operator may allow the host in webhooks.allow_hosts")
}

// check refuses a URL host that is, or resolves to, an address deliveries
// may not dial. A name that does not resolve now is accepted: the dial
// check at each delivery is the one that counts.
func (t *WebhookTargets) check(ctx context.Context, host string) error {
	if t.AllowsHost(host) {
		return nil
	}
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		if !t.AllowsIP(ip) {
			return errTargetRefused(host, "")
		}
		return nil
	}
	lower := strings.TrimSuffix(strings.ToLower(host), ".")
	if lower == "localhost" || strings.HasSuffix(lower, ".localhost") {
		return errTargetRefused(host, "")
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil
	}
	for _, ip := range addrs {
		if !t.AllowsIP(ip) {
			return errTargetRefused(host, ip.Unmap().String())
		}
	}
	return nil
}
