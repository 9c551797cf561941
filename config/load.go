package config

import (
	"errors"
	"fmt"
)

// Load builds the effective configuration: defaults (the embedded sandbox),
// then the YAML file at path, then the BAOXIAO_* variables in environ, which
// win. An empty path falls back to $BAOXIAO_CONFIG; with neither, no file is
// read. An empty variable counts as unset, because compose files and CI often
// pass variables through empty. A key set to null in the file also counts as
// unset.
//
// Unknown keys in the file and unknown BAOXIAO_* variables are errors, so a
// typo cannot silently fall back to a default. All problems come back in one
// error, one line per problem, each naming its key.
//
// In sandbox mode a valid configuration gets its missing auth secrets from
// EnsureSandboxSecrets, which may create files under data_dir.
func Load(path string, environ []string) (*Config, error) {
	env := parseEnviron(environ)
	if path == "" {
		path = env[EnvConfigFile]
	}
	l := &loader{cfg: defaults(), set: map[string]bool{}}
	if path != "" {
		if err := l.file(path); err != nil {
			return nil, err
		}
	}
	l.env(env)
	l.derive()
	l.validate()
	if len(l.errs) > 0 {
		return nil, errors.Join(l.errs...)
	}
	if l.cfg.Sandbox() {
		if err := l.cfg.EnsureSandboxSecrets(); err != nil {
			return nil, err
		}
	}
	return l.cfg, nil
}

// loader carries one Load: the config being built, which keys were set by the
// file or the environment (derived defaults apply only to the others), and
// the problems found so far.
type loader struct {
	cfg  *Config
	set  map[string]bool
	errs []error
}

// fail records a problem with a key.
func (l *loader) fail(key, format string, args ...any) {
	l.errs = append(l.errs, fmt.Errorf("config: %s: %s", key, fmt.Sprintf(format, args...)))
}
