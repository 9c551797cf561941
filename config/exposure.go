package config

import (
	"net"
	"net/url"
	"strings"
)

// SandboxExposed reports whether a sandbox-mode process looks reachable
// from other hosts: it listens beyond loopback and its public_url names a
// host other than this one. The sandbox login and /sandbox/_control need
// no credentials by design, so anyone who reaches such a process can sign
// in as any demo user and rewrite the simulated WeChat (issue 15 item 13).
// The default (":8080", http://localhost:8080) is not exposed.
func (c *Config) SandboxExposed() bool {
	return c.Sandbox() && !loopbackListen(c.Listen) && !localURL(c.PublicURL)
}

// loopbackListen reports whether addr binds only loopback. An empty host,
// 0.0.0.0 and :: bind every interface; any other name counts as reachable.
func loopbackListen(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	return isLocalHost(host)
}

func localURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	return isLocalHost(u.Hostname())
}

// isLocalHost is true for localhost (and *.localhost, RFC 6761) and
// loopback addresses.
func isLocalHost(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
