package app

// DefuseCell keeps a spreadsheet from reading a text cell of a CSV file as
// a formula (names and seller names come from outside): a value starting
// with = + - @ TAB or CR gets a ' in front, as OWASP advises for CSV. A
// value that already starts with ' before one of those gets one more, so
// RestoreCell gives back exactly what was defused. Every CSV we write
// (finance export, employee export) goes through it.
func DefuseCell(v string) string {
	if needsQuote(v) {
		return "'" + v
	}
	return v
}

// RestoreCell undoes DefuseCell, for files we read back (an employee
// export, edited and imported again).
func RestoreCell(v string) string {
	if len(v) > 1 && v[0] == '\'' && needsQuote(v[1:]) {
		return v[1:]
	}
	return v
}

// needsQuote reports whether v, after any leading quotes, starts with a
// character that makes a spreadsheet cell a formula (or, for TAB and CR,
// hides one behind whitespace).
func needsQuote(v string) bool {
	i := 0
	for i < len(v) && v[i] == '\'' {
		i++
	}
	if i == len(v) {
		return false
	}
	switch v[i] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}
