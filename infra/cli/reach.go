package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/baoxiao/baoxiao/config"
)

// wechatBases are the configured WeChat API bases, by config key: the
// URLs a command calls. In sandbox mode they are the running server's
// embedded sandbox.
func wechatBases(cfg *config.Config) map[string]string {
	bases := map[string]string{}
	if cfg.OAEnabled() {
		bases["wechat.api_base"] = cfg.WeChat.APIBase
	}
	if cfg.WorkEnabled() {
		bases["wechat.work_api_base"] = cfg.WeChat.WorkAPIBase
	}
	return bases
}

// unreachable explains a WeChat call that failed as unavailable: it asks
// each base again and, when one answers nothing at all, says which URL
// could not be reached, why, and how to fix it. It answers nil when every
// base answers (WeChat itself was busy or failing).
func unreachable(ctx context.Context, cfg *config.Config, bases map[string]string) error {
	if ctx.Err() != nil {
		return nil // interrupted: nothing to say about WeChat
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for _, key := range slices.Sorted(maps.Keys(bases)) {
		base := bases[key]
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base, nil)
		if err != nil {
			return fmt.Errorf("%s %q is not a URL", key, base)
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			continue // any answer: the URL is reached
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text repeats the URL
		}
		hint := "check the URL, the network and any proxy (HTTPS_PROXY)"
		if cfg.Sandbox() {
			hint = fmt.Sprintf("in sandbox mode WeChat is the sandbox inside the running server: start it first "+
				"(`make run`, or `%s serve` in another terminal, with this configuration), "+
				"or set sandbox.base_url to where it runs", Prog)
		}
		return fmt.Errorf("could not reach WeChat at %s (%s): %v\n%s", base, key, err, hint)
	}
	return nil
}
