// Package config loads baoxiao's configuration into one typed Config.
//
// Precedence, lowest first: the defaults (embedded sandbox mode, SQLite in
// ./data, memory cache, :8080); the YAML file given by --config, or by
// $BAOXIAO_CONFIG when no flag is given; the BAOXIAO_* environment variables.
// Keys nest in the file (database: {driver: mysql}); each key's variable is
// BAOXIAO_ plus its path in upper case with "." turned into "_"
// (wechat.oa.app_id is BAOXIAO_WECHAT_OA_APP_ID). Keys lists them all.
//
// Secret and DSN values print redacted everywhere; call Reveal to use them.
package config
