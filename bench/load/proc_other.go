//go:build !linux

package main

import "syscall"

// childAttr: only Linux can tie the child's life to ours; elsewhere stop
// is the only guard.
func childAttr() *syscall.SysProcAttr { return nil }
