package webhook

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"github.com/baoxiao/baoxiao/app"
)

// GuardedTransport dials only addresses targets allows. The check runs in
// the dialer's Control, on the address about to be connected after DNS
// resolution, so a name that resolved to a public address when the
// endpoint was added and to 127.0.0.1 now (DNS rebinding) is refused. A
// host the allow-list names by name is dialled without the check. No
// proxy: through one, the check would see the proxy, not the receiver.
func GuardedTransport(targets *app.WebhookTargets) *http.Transport {
	guarded := &net.Dialer{
		Timeout:   10 * time.Second,
		KeepAlive: 30 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("webhook target %s: %w", address, err)
			}
			if !targets.AllowsIP(ap.Addr()) {
				return fmt.Errorf("%s refused: %w (webhooks.allow_hosts)", ap.Addr().Unmap(), app.ErrAddressRefused)
			}
			return nil
		},
	}
	open := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if host, _, err := net.SplitHostPort(addr); err == nil && targets.AllowsHost(host) {
			return open.DialContext(ctx, network, addr)
		}
		return guarded.DialContext(ctx, network, addr)
	}
	return t
}
