package main

import "time"

// profile sizes a fault run. CI runs "short"; `make bench` runs "full".
type profile struct {
	name              string
	instances         int
	employees         int
	reports           int // half are approved, half withdrawn
	invoicesPerReport int
	errorRate         float64       // share of WeChat calls answering an error
	latency           time.Duration // added to every WeChat call
	deadline          time.Duration // for the whole run, start-up included
	raceImporters     int           // employees importing one paper at once
	racePairs         int           // reports approved and withdrawn at once
	stormReports      int           // reports withdrawn and resubmitted over and over
	stormPairs        int           // withdraw→resubmit pairs per report
}

var profiles = map[string]profile{
	"short": {name: "short", instances: 3, employees: 4, reports: 16, invoicesPerReport: 2,
		errorRate: 0.3, latency: 200 * time.Millisecond, deadline: 4 * time.Minute,
		raceImporters: 10, racePairs: 10, stormReports: 8, stormPairs: 5},
	"full": {name: "full", instances: 3, employees: 12, reports: 120, invoicesPerReport: 3,
		errorRate: 0.3, latency: 200 * time.Millisecond, deadline: 12 * time.Minute,
		raceImporters: 50, racePairs: 50, stormReports: 40, stormPairs: 8},
}
