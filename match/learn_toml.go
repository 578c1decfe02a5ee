package match

import (
	"fmt"
	"strconv"
	"strings"
)

// RenderTOML writes spec as a commented `[[topic]]` table for config.toml.
// header lines become comments above the table and notes (keyed by hit
// label, "facet:NAME" for facets) become comments above each rule. Output
// depends only on the arguments: the same input gives the same bytes.
func RenderTOML(spec TopicSpec, header []string, notes map[string]string) []byte {
	var b strings.Builder
	for _, h := range header {
		comment(&b, "", h)
	}
	b.WriteString("[[topic]]\n")
	fmt.Fprintf(&b, "name = %s\n", tomlString(spec.Name))
	fmt.Fprintf(&b, "threshold = %s\n", tomlFloat(spec.Threshold))
	fmt.Fprintf(&b, "title_boost = %s\n", tomlFloat(spec.TitleBoost))
	for _, f := range spec.Facets {
		b.WriteString("\n")
		comment(&b, "  ", notes["facet:"+f.Name])
		b.WriteString("  [[topic.facet]]\n")
		fmt.Fprintf(&b, "  name = %s\n  min = %d\n", tomlString(f.Name), f.Min)
	}
	for _, e := range spec.Entities {
		b.WriteString("\n")
		comment(&b, "  ", notes["entity:"+e.Name])
		b.WriteString("  [[topic.entity]]\n")
		fmt.Fprintf(&b, "  name = %s\n", tomlString(e.Name))
		fmt.Fprintf(&b, "  aliases = %s\n", tomlArray(e.Aliases))
		fmt.Fprintf(&b, "  weight = %s\n", tomlFloat(e.Weight))
		if e.Facet != "" {
			fmt.Fprintf(&b, "  facet = %s\n", tomlString(e.Facet))
		}
	}
	renderTerms(&b, "term", spec.Terms, notes)
	renderTerms(&b, "negative", spec.Negatives, notes)
	return []byte(b.String())
}

func renderTerms(b *strings.Builder, table string, terms []TermSpec, notes map[string]string) {
	for _, t := range terms {
		b.WriteString("\n")
		comment(b, "  ", notes[table+":"+t.Text])
		fmt.Fprintf(b, "  [[topic.%s]]\n", table)
		fmt.Fprintf(b, "  text = %s\n", tomlString(t.Text))
		if len(t.Aliases) > 0 {
			fmt.Fprintf(b, "  aliases = %s\n", tomlArray(t.Aliases))
		}
		fmt.Fprintf(b, "  weight = %s\n", tomlFloat(t.Weight))
		if t.Facet != "" {
			fmt.Fprintf(b, "  facet = %s\n", tomlString(t.Facet))
		}
	}
}

func comment(b *strings.Builder, indent, text string) {
	if text == "" {
		return
	}
	for _, line := range strings.Split(text, "\n") {
		b.WriteString(strings.TrimRight(indent+"# "+line, " ") + "\n")
	}
}

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f || r == 0xfffd:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func tomlArray(ss []string) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = tomlString(s)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func tomlFloat(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return s
}
