package export

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/baoxiao/baoxiao/app"
)

// The XLSX writer is our own (DECISIONS 22): excelize keeps the whole
// archive in memory, while this one writes the worksheet straight into a
// zip stream, a row at a time. It writes the least SpreadsheetML Excel,
// LibreOffice, WPS and excelize accept: content types, relationships, a
// workbook, a style sheet with the 0.00 number format, and worksheets with
// inline strings, so no shared-string table has to be held. Amounts are
// numeric cells written from their exact decimal text; codes are text
// cells formatted "@"; dates are date cells.

// NewXLSX starts an XLSX export on w. The title goes in the document
// properties and the printed page header, not in a row above the header:
// row 1 stays the header that programs reading the file expect.
func NewXLSX(w io.Writer, m app.SheetMeta) (app.Sheet, error) {
	t, err := NewXLSXTable(w, "报销明细", tableColumns())
	if err != nil {
		return nil, err
	}
	t.Title = title(m)
	return newSheet(t, m), nil
}

// maxSheetRows is the most rows a worksheet may hold; a longer table
// continues on another sheet, header repeated.
const maxSheetRows = 1 << 20

// Style indexes into cellXfs of styles.xml.
const (
	styleText      = 0
	styleMoney     = 1 // numFmtId 2: 0.00
	styleBold      = 2
	styleBoldMoney = 3
	styleCode      = 4 // numFmtId 49: @, text stays text when edited
	styleDate      = 5 // numFmtId 164: yyyy-mm-dd
	styleDateTime  = 6 // numFmtId 165: yyyy-mm-dd hh:mm:ss
)

// Column is one column of a table file: its header, its XLSX width in
// characters, and what it holds. Money is exact decimal text ("1234.50"),
// written as a number in XLSX and as text in CSV, never a float. Code is
// an identifier that may be all digits (a leading zero, 20 digits): an
// "@" text cell in XLSX, so a spreadsheet neither drops the zero nor
// rounds the number. Date is "2006-01-02" or "2006-01-02 15:04:05": a
// date cell in XLSX (text if it is anything else), text in CSV.
type Column struct {
	Header string
	Width  int
	Money  bool
	Code   bool
	Date   bool
}

// XLSXTable writes a workbook of one table a row at a time, straight into
// the zip stream: the finance export and the archive index both use it.
type XLSXTable struct {
	out     *bufio.Writer // the response or file
	zip     *zip.Writer
	name    string // the sheet's name
	cols    []Column
	sheet   io.Writer // the current worksheet entry
	sheets  int
	row     int    // rows written to the current sheet
	buf     []byte // one row's XML
	refs    []string
	started time.Time
	// Title, when set before Close, is the document's title (docProps)
	// and the printed page header.
	Title string
}

// NewXLSXTable starts a workbook on w whose sheet is called name.
func NewXLSXTable(w io.Writer, name string, cols []Column) (*XLSXTable, error) {
	out := bufio.NewWriterSize(w, 64<<10)
	zw := zip.NewWriter(out)
	// Speed over size: the export is I/O bound on a fast link otherwise
	// CPU bound, and the level barely changes the size of XML.
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	s := &XLSXTable{out: out, zip: zw, name: name, cols: cols, buf: make([]byte, 0, 4096), refs: make([]string, len(cols)), started: time.Now()}
	for i := range cols {
		s.refs[i] = columnName(i)
	}
	if err := s.startSheet(); err != nil {
		return nil, err
	}
	return s, nil
}

// columnName is the letters of column i (0 → A, 26 → AA).
func columnName(i int) string {
	name := ""
	for i++; i > 0; i = (i - 1) / 26 {
		name = string(rune('A'+(i-1)%26)) + name
	}
	return name
}

func (s *XLSXTable) startSheet() error {
	s.sheets++
	w, err := s.create(fmt.Sprintf("xl/worksheets/sheet%d.xml", s.sheets))
	if err != nil {
		return err
	}
	s.sheet = w
	s.row = 0
	b := s.buf[:0]
	b = append(b, xml.Header...)
	b = append(b, `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`...)
	// The header row stays in view while scrolling.
	b = append(b, `<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>`...)
	b = append(b, `<sheetFormatPr defaultRowHeight="15"/><cols>`...)
	for i, c := range s.cols {
		b = fmt.Appendf(b, `<col min="%d" max="%d" width="%d" customWidth="1"/>`, i+1, i+1, c.Width)
	}
	b = append(b, `</cols><sheetData>`...)
	s.buf = b
	if err := s.flushRow(); err != nil {
		return err
	}
	header := make([]string, len(s.cols))
	for i, c := range s.cols {
		header[i] = c.Header
	}
	return s.writeRow(header, styleBold, styleBold)
}

// create starts a compressed part stamped with the export's time (a zero
// time would be an invalid DOS date).
func (s *XLSXTable) create(name string) (io.Writer, error) {
	return s.zip.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: s.started})
}

func (s *XLSXTable) flushRow() error {
	_, err := s.sheet.Write(s.buf)
	s.buf = s.buf[:0]
	return err
}

// writeRow writes one row: text cells as inline strings in textStyle,
// money cells as numbers in moneyStyle.
func (s *XLSXTable) writeRow(values []string, textStyle, moneyStyle int) error {
	s.row++
	r := strconv.Itoa(s.row)
	b := append(s.buf, `<row r="`...)
	b = append(b, r...)
	b = append(b, `">`...)
	for i, v := range values {
		if v == "" {
			continue
		}
		b = append(b, `<c r="`...)
		b = append(b, s.refs[i]...)
		b = append(b, r...)
		if s.cols[i].Money && s.row > 1 {
			b = append(b, `" s="`...)
			b = strconv.AppendInt(b, int64(moneyStyle), 10)
			b = append(b, `"><v>`...)
			b = append(b, v...) // a decimal string: valid xsd:double text, exact
			b = append(b, `</v></c>`...)
			continue
		}
		if s.cols[i].Date && s.row > 1 {
			if serial, style, ok := excelDate(v); ok {
				b = append(b, `" s="`...)
				b = strconv.AppendInt(b, int64(style), 10)
				b = append(b, `"><v>`...)
				b = append(b, serial...)
				b = append(b, `</v></c>`...)
				continue
			}
		}
		style := textStyle
		if style == styleText && s.cols[i].Code && s.row > 1 {
			style = styleCode
		}
		if style != styleText {
			b = append(b, `" s="`...)
			b = strconv.AppendInt(b, int64(style), 10)
		}
		b = append(b, `" t="inlineStr"><is><t`...)
		if strings.TrimFunc(v, unicode.IsSpace) != v {
			b = append(b, ` xml:space="preserve"`...)
		}
		b = append(b, '>')
		b = appendEscaped(b, v)
		b = append(b, `</t></is></c>`...)
	}
	b = append(b, `</row>`...)
	s.buf = b
	return s.flushRow()
}

// excelEpoch is day 0 of Excel's 1900 date system for dates from March
// 1900 on (Excel counts a 29 February 1900 that never was).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).Unix()

// excelDate is v ("2006-01-02" or "2006-01-02 15:04:05", a wall-clock
// time) as an Excel date serial and its style; ok is false for anything
// else, which stays text.
func excelDate(v string) (serial string, style int, ok bool) {
	layout, style := time.DateOnly, styleDate
	if len(v) == len(time.DateTime) {
		layout, style = time.DateTime, styleDateTime
	}
	t, err := time.Parse(layout, v)
	if err != nil || t.Year() < 1901 || t.Year() > 9999 {
		return "", 0, false
	}
	secs := t.Unix() - excelEpoch
	if style == styleDate {
		return strconv.FormatInt(secs/86400, 10), style, true
	}
	return strconv.FormatFloat(float64(secs)/86400, 'f', -1, 64), style, true
}

// appendEscaped appends v as XML text. What XML 1.0 cannot carry (most
// control characters, invalid UTF-8) becomes U+FFFD, as in encoding/xml.
func appendEscaped(b []byte, v string) []byte {
	if plainXML(v) {
		return append(b, v...)
	}
	for i := 0; i < len(v); {
		r, size := utf8.DecodeRuneInString(v[i:])
		switch {
		case r == '<':
			b = append(b, "&lt;"...)
		case r == '>':
			b = append(b, "&gt;"...)
		case r == '&':
			b = append(b, "&amp;"...)
		case r == '\r':
			b = append(b, "&#xD;"...)
		case r == '\t' || r == '\n':
			b = append(b, byte(r))
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF || r == utf8.RuneError && size == 1:
			b = append(b, "\uFFFD"...)
		default:
			b = append(b, v[i:i+size]...)
		}
		i += size
	}
	return b
}

// plainXML reports whether v needs no escaping: the common case.
func plainXML(v string) bool {
	wide := false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c < 0x20 || c == '<' || c == '>' || c == '&':
			return false
		case c >= 0x80:
			wide = true
		}
	}
	return !wide || utf8.ValidString(v) && !strings.Contains(v, "\uFFFE") && !strings.Contains(v, "\uFFFF")
}

// Row writes one row of values, one per column.
func (s *XLSXTable) Row(values []string) error {
	if s.row == maxSheetRows-1 { // keep the last row of a sheet for Close's
		if err := s.endSheet(); err != nil {
			return err
		}
		if err := s.startSheet(); err != nil {
			return err
		}
	}
	return s.writeRow(values, styleText, styleMoney)
}

func (s *XLSXTable) endSheet() error {
	s.buf = append(s.buf, `</sheetData>`...)
	if s.Title != "" {
		// &C centres the header; a literal & is written &&.
		s.buf = append(s.buf, `<headerFooter><oddHeader>`...)
		s.buf = appendEscaped(s.buf, "&C"+strings.ReplaceAll(s.Title, "&", "&&"))
		s.buf = append(s.buf, `</oddHeader></headerFooter>`...)
	}
	s.buf = append(s.buf, `</worksheet>`...)
	return s.flushRow()
}

// Close writes last in bold when it is not nil (a totals row), then the
// workbook parts and the zip directory.
func (s *XLSXTable) Close(last []string) error {
	if last != nil {
		if err := s.writeRow(last, styleBold, styleBoldMoney); err != nil {
			return err
		}
	}
	if err := s.endSheet(); err != nil {
		return err
	}
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", s.contentTypes()},
		{"_rels/.rels", rootRels},
		{"docProps/app.xml", appProps},
		{"docProps/core.xml", s.coreProps()},
		{"xl/workbook.xml", s.workbook()},
		{"xl/_rels/workbook.xml.rels", s.workbookRels()},
		{"xl/styles.xml", styles},
	}
	for _, p := range parts {
		w, err := s.create(p.name)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(w, p.body); err != nil {
			return err
		}
	}
	if err := s.zip.Close(); err != nil {
		return err
	}
	return s.out.Flush()
}

func (s *XLSXTable) contentTypes() string {
	var b strings.Builder
	b.WriteString(xml.Header)
	b.WriteString(`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">`)
	b.WriteString(`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>`)
	b.WriteString(`<Default Extension="xml" ContentType="application/xml"/>`)
	b.WriteString(`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>`)
	for i := 1; i <= s.sheets; i++ {
		fmt.Fprintf(&b, `<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, i)
	}
	b.WriteString(`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>`)
	b.WriteString(`<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>`)
	b.WriteString(`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>`)
	b.WriteString(`</Types>`)
	return b.String()
}

func (s *XLSXTable) workbook() string {
	var b strings.Builder
	b.WriteString(xml.Header)
	b.WriteString(`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>`)
	for i := 1; i <= s.sheets; i++ {
		name := s.name
		if s.sheets > 1 {
			name = fmt.Sprintf("%s %d", s.name, i)
		}
		fmt.Fprintf(&b, `<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, appendEscaped(nil, name), i, i)
	}
	b.WriteString(`</sheets></workbook>`)
	return b.String()
}

func (s *XLSXTable) workbookRels() string {
	var b strings.Builder
	b.WriteString(xml.Header)
	b.WriteString(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	for i := 1; i <= s.sheets; i++ {
		fmt.Fprintf(&b, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>`, i, i)
	}
	fmt.Fprintf(&b, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>`, s.sheets+1)
	b.WriteString(`</Relationships>`)
	return b.String()
}

const rootRels = xml.Header + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
	`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>` +
	`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>` +
	`</Relationships>`

// coreProps carries the title (File → Info in Excel, 文档属性 in WPS).
func (s *XLSXTable) coreProps() string {
	var b []byte
	b = append(b, xml.Header...)
	b = append(b, `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">`...)
	if s.Title != "" {
		b = append(b, `<dc:title>`...)
		b = appendEscaped(b, s.Title)
		b = append(b, `</dc:title>`...)
	}
	b = append(b, `<dc:creator>baoxiao</dc:creator></cp:coreProperties>`...)
	return string(b)
}

const appProps = xml.Header + `<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>baoxiao</Application></Properties>`

// styles: 0 text, 1 money (built-in numFmtId 2 is "0.00"), 2 bold text
// (header, totals label), 3 bold money (totals), 4 code (built-in 49 is
// "@"), 5 date, 6 date and time.
const styles = xml.Header + `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
	`<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>` +
	`<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>` +
	`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
	`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
	`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
	`<cellXfs count="7">` +
	`<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
	`<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>` +
	`<xf numFmtId="2" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/>` +
	`<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`</cellXfs>` +
	`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
	`</styleSheet>`
