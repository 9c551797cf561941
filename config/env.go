package config

import (
	"fmt"
	"slices"
	"strings"
)

// parseEnviron turns KEY=VALUE pairs into a map; the last one wins, as in
// os/exec.
func parseEnviron(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

// env applies the key variables and reports every other BAOXIAO_ variable
// except BAOXIAO_CONFIG, which is how typos in names surface.
func (l *loader) env(env map[string]string) {
	var unknown []string
	for name := range env {
		if strings.HasPrefix(name, EnvPrefix) && name != EnvConfigFile && !isKeyEnv(name) {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	for _, name := range unknown {
		msg := "unknown environment variable: no configuration key has this name"
		if near := nearestEnv(name); near != "" {
			msg += "; did you mean " + near + "?"
		}
		l.errs = append(l.errs, fmt.Errorf("config: %s: %s", name, msg))
	}
	for i := range keys {
		k := &keys[i]
		v := env[envName(k.name)]
		if v == "" {
			continue
		}
		if err := k.set(l.cfg, v); err != nil {
			l.fail(k.name, "%v (from %s)", err, envName(k.name))
			continue
		}
		l.set[k.name] = true
	}
}

func isKeyEnv(name string) bool {
	return slices.ContainsFunc(keys, func(k key) bool { return envName(k.name) == name })
}

// nearestEnv suggests the key variable closest to a misspelt one, if any is
// within a few edits.
func nearestEnv(name string) string {
	best, bestDist := "", 4
	for _, k := range keys {
		if d := editDistance(name, envName(k.name)); d < bestDist {
			best, bestDist = envName(k.name), d
		}
	}
	return best
}

// editDistance is the Levenshtein distance over bytes; names are ASCII.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
