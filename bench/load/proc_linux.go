package main

import "syscall"

// childAttr kills the server with the generator: a load run must never
// leave a process behind, even when the generator itself is killed.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
