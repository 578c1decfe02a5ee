package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/wirewatch/wirewatch/match"
)

// Output formats accepted by --format.
const (
	formatTable = "table"
	formatJSON  = "json"
	formatJSONL = "jsonl"
	formatCSV   = "csv"
)

// resolveFormat checks --format and picks the default: a table on a
// terminal, JSON Lines when stdout is a pipe or file.
func resolveFormat(format string, w io.Writer, allowed ...string) (string, error) {
	if format == "" {
		if isTerminal(w) {
			return formatTable, nil
		}
		return formatJSONL, nil
	}
	for _, f := range allowed {
		if f == format {
			return format, nil
		}
	}
	return "", usageError{fmt.Errorf("--format %q: use one of %s", format, strings.Join(allowed, ", "))}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// contractItem fills nil lists so JSON shows [] rather than null: the JSON
// field set is a contract, and consumers should not need null checks.
func contractItem(it match.Item) match.Item {
	if it.Topics == nil {
		it.Topics = []string{}
	}
	if it.Matched == nil {
		it.Matched = []match.Hit{}
	}
	if it.Sources == nil {
		it.Sources = []match.Source{}
	}
	return it
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeJSONL writes each element of list as one line of JSON.
func writeJSONL[T any](w io.Writer, list []T) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, v := range list {
		if err := enc.Encode(v); err != nil {
			return err
		}
	}
	return nil
}

func writeItems(w io.Writer, format string, items []match.Item) error {
	out := make([]match.Item, len(items))
	for i, it := range items {
		out[i] = contractItem(it)
	}
	switch format {
	case formatJSON:
		return writeJSON(w, out)
	case formatJSONL:
		return writeJSONL(w, out)
	case formatCSV:
		return writeItemsCSV(w, out)
	default:
		return writeItemsTable(w, out)
	}
}

var csvHeader = []string{"id", "published", "fetched", "feed", "topics", "score", "title", "link", "guid", "story", "duplicate_of", "sources", "origin", "matched", "summary"}

func writeItemsCSV(w io.Writer, items []match.Item) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, it := range items {
		hits := make([]string, len(it.Matched))
		for i, h := range it.Matched {
			hits[i] = h.Rule + "=" + strconv.FormatFloat(h.Weight, 'g', -1, 64)
		}
		if err := cw.Write([]string{
			it.ID, fmtTime(it.Published), fmtTime(it.Fetched), it.Feed, strings.Join(it.Topics, ";"),
			strconv.FormatFloat(it.Score, 'f', 2, 64), it.Title, it.Link, it.GUID, it.Story,
			it.DuplicateOf, strconv.Itoa(len(it.Sources)), it.Origin, strings.Join(hits, ";"), it.Summary,
		}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func writeItemsTable(w io.Writer, items []match.Item) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPUBLISHED\tFEED\tSCORE\tSRC\tTITLE")
	for _, it := range items {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f\t%d\t%s\n", it.ID, it.SortTime().UTC().Format("2006-01-02 15:04"),
			clip(it.Feed, 20), it.Score, 1+len(it.Sources), clip(it.Title, 80))
	}
	return tw.Flush()
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// clip shortens s to n runes with an ellipsis.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// parseWhen reads --since/--until: a duration back from now ("24h", "7d"),
// a date ("2025-10-28", UTC midnight) or an RFC 3339 time.
func parseWhen(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if days, err := strconv.Atoi(n); err == nil && days >= 0 {
			return now.Add(-time.Duration(days) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			d = -d
		}
		return now.Add(-d), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, usageError{fmt.Errorf("%q is not a time: use a duration (24h, 7d), a date (2025-10-28) or RFC 3339", s)}
}
