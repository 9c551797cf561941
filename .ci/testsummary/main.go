// Command testsummary reads `go test -json` on stdin and writes what a CI
// log needs: each package's result with its counts, the whole output of
// every failed test, every skipped test with its reason, and how many
// browser (Chromium) and JavaScript (node) tests ran, so the log shows
// they ran rather than skipped. It fails when a test or package failed,
// or when it read no results at all.
//
//	go test -json ./... | go run .ci/testsummary/main.go
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
)

// event is one line of test2json.
type event struct {
	Action     string
	Package    string
	ImportPath string // build-output events name the package here, "p [p.test]"
	Test       string
	Output     string
	Elapsed    float64
}

type counts struct{ pass, fail, skip int }

func main() {
	ok, err := summarise(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

func summarise(in io.Reader, out io.Writer) (bool, error) {
	outputs := map[string][]string{} // package/test → output lines, until the test ends
	perPackage := map[string]*counts{}
	var skipped []string
	var ran = map[string]int{}
	results, failed := 0, false

	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			fmt.Fprintln(out, string(line)) // make's own lines, build errors
			continue
		}
		if e.Package == "" {
			e.Package, _, _ = strings.Cut(e.ImportPath, " ")
		}
		key := e.Package + "/" + e.Test
		c := perPackage[e.Package]
		if c == nil {
			c = &counts{}
			perPackage[e.Package] = c
		}
		switch e.Action {
		case "output", "build-output":
			outputs[key] = append(outputs[key], e.Output)
		case "pass", "fail", "skip":
			if e.Test == "" {
				results++
				if e.Action == "fail" {
					failed = true
					// A build failure, or a panic or timeout that ended the
					// binary: what it and every unfinished test printed.
					for _, k := range slices.Sorted(maps.Keys(outputs)) {
						if strings.HasPrefix(k, e.Package+"/") {
							fmt.Fprintf(out, "--- %s\n%s", k, strings.Join(outputs[k], ""))
							delete(outputs, k)
						}
					}
				}
				fmt.Fprintf(out, "%-4s %s %.1fs (pass %d, skip %d, fail %d)\n", strings.ToUpper(e.Action), e.Package, e.Elapsed, c.pass, c.skip, c.fail)
				delete(outputs, key)
				continue
			}
			switch e.Action {
			case "pass":
				c.pass++
				// Tests name what they need: Browser (Chromium), Node (node).
				for _, kind := range []string{"Browser", "Node"} {
					if strings.Contains(e.Test, kind) && !strings.Contains(e.Test, "/") {
						ran[kind]++
					}
				}
			case "fail":
				c.fail++
				failed = true
				fmt.Fprintf(out, "--- FAIL: %s %s\n%s", e.Package, e.Test, strings.Join(outputs[key], ""))
			case "skip":
				c.skip++
				skipped = append(skipped, fmt.Sprintf("%s %s: %s", e.Package, e.Test, reason(outputs[key])))
			}
			delete(outputs, key)
		}
	}
	if err := sc.Err(); err != nil {
		return false, err
	}
	slices.Sort(skipped)
	fmt.Fprintf(out, "\nskipped: %d\n", len(skipped))
	for _, s := range skipped {
		fmt.Fprintln(out, "  "+s)
	}
	fmt.Fprintf(out, "ran: %d browser tests (Chromium), %d JS tests (node)\n", ran["Browser"], ran["Node"])
	if results == 0 {
		fmt.Fprintln(out, "no package results: did `go test -json` run?")
		return false, nil
	}
	return !failed, nil
}

// reason is the skip message: the output line that is neither a RUN nor
// a SKIP header.
func reason(lines []string) string {
	for _, l := range slices.Backward(lines) {
		t := strings.TrimSpace(l)
		if t != "" && !strings.HasPrefix(t, "=== ") && !strings.HasPrefix(t, "--- SKIP") {
			return t
		}
	}
	return "(no reason given)"
}
