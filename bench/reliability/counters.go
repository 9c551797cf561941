package main

import (
	"maps"
	"slices"
	"sync"
)

// counters counts named events from many goroutines.
type counters struct {
	mu sync.Mutex
	n  map[string]int
}

func newCounters() *counters { return &counters{n: map[string]int{}} }

func (c *counters) add(name string) {
	c.mu.Lock()
	c.n[name]++
	c.mu.Unlock()
}

// sorted returns the names in order with their counts.
func (c *counters) sorted() ([]string, map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := maps.Clone(c.n)
	return slices.Sorted(maps.Keys(m)), m
}
