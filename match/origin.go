package match

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// agencies maps every spelling a credit line uses to the agency's short
// name, the value DetectOrigin returns.
var agencies = map[string]string{
	"AFP": "AFP", "Agence France-Presse": "AFP", "Agence France Presse": "AFP",
	"AP": "AP", "Associated Press": "AP",
	"APP": "APP", "Associated Press of Pakistan": "APP",
	"ANI": "ANI", "Asian News International": "ANI",
	"PTI": "PTI", "Press Trust of India": "PTI",
	"IANS": "IANS", "UNI": "UNI", "NNI": "NNI", "NationPress": "NationPress",
	"Reuters": "Reuters", "Thomson Reuters": "Reuters",
	"AA": "Anadolu", "Anadolu": "Anadolu", "Anadolu Agency": "Anadolu",
	"Xinhua": "Xinhua", "dpa": "dpa", "DPA": "dpa", "EFE": "EFE",
	"QNA": "QNA", "Qatar News Agency": "QNA", "WAM": "WAM",
	"Bakhtar": "Bakhtar", "Bakhtar News Agency": "Bakhtar",
	"IRNA": "IRNA", "TASS": "TASS", "Sputnik": "Sputnik", "Kyodo": "Kyodo",
	"Yonhap": "Yonhap", "Bernama": "Bernama", "KUNA": "KUNA", "SPA": "SPA",
	"Bloomberg": "Bloomberg",
}

// spellings are the keys of agencies, longest first, and firstBytes the
// bytes they start with, so agencyAt rejects most positions at once.
var spellings, firstBytes = func() ([]string, [256]bool) {
	var first [256]bool
	out := make([]string, 0, len(agencies))
	for k := range agencies {
		out = append(out, k)
		first[k[0]] = true
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i]) != len(out[j]) {
			return len(out[i]) > len(out[j])
		}
		return out[i] < out[j]
	})
	return out, first
}()

// agencyAt returns the agency whose spelling starts text (longest match,
// case-sensitive, ending at a word boundary) and the spelling's length.
func agencyAt(text string) (string, int) {
	if text == "" || !firstBytes[text[0]] {
		return "", 0
	}
	for _, sp := range spellings {
		if strings.HasPrefix(text, sp) && !wordContinues(text[len(sp):]) {
			return agencies[sp], len(sp)
		}
	}
	return "", 0
}

func wordContinues(rest string) bool {
	r, _ := utf8.DecodeRuneInString(rest)
	return rest != "" && IsWordRune(r)
}

var (
	// creditPhrases precede an agency name: "Based on ANI report", "with
	// inputs from PTI", "Source: AFP", "courtesy Reuters", "via Anadolu
	// Agency". Matched case-insensitively (ASCII).
	creditPhrases = []string{"based on an ", "based on a ", "based on the ", "based on ", "with inputs from ", "with input from ",
		"source: ", "source:", "courtesy: ", "courtesy ", "via ", "reported by ", "written by "}
	// "This article was originally published on Dawn.", "The post X
	// appeared first on Daily Example."
	publishedOn = regexp.MustCompile(`(?i:originally published (?:on|by|in|at)|first published (?:on|by|in)|appeared first on|first appeared (?:on|in))\s+([^\n.!?]{2,60})`)
)

// maxOriginScan bounds the text DetectOrigin reads: credits sit at the
// start or the end of an article.
const maxOriginScan = 8 << 10

// DetectOrigin returns the agency or outlet a text says it came from, or ""
// when it says nothing. It recognises, strongest first: a parenthesised
// credit followed by a dash or colon, or after a dateline ("Kabul (AFP) -",
// "ISLAMABAD, Oct 28 (APP):"), a closing credit ("— AFP" or the agency
// alone on a line), phrases such as "Based on ANI report" or "with inputs
// from PTI", and "originally published on <outlet>" (not "on this site").
// Agency names are matched case-sensitively: "APP" is the Associated Press
// of Pakistan, "app" is not. A mention alone ("told Reuters") is no credit,
// nor is an abbreviation ("Andhra Pradesh (AP) government").
func DetectOrigin(text string) string {
	if len(text) > 2*maxOriginScan {
		text = text[:maxOriginScan] + "\n" + text[len(text)-maxOriginScan:]
	}
	text = norm.NFKC.String(text)
	if a := parenCredit(text); a != "" {
		return a
	}
	if a := trailerCredit(text); a != "" {
		return a
	}
	lower := asciiLower(text)
	if a := phraseCredit(text, lower); a != "" {
		return a
	}
	return publishedOnCredit(text, lower)
}

// parenCredit finds "(AGENCY)" followed by a dash or colon, or preceded on
// its line by a dateline: at most 60 bytes ending in a digit or a word in
// capitals.
func parenCredit(text string) string {
	for i := 0; ; {
		j := strings.IndexByte(text[i:], '(')
		if j < 0 {
			return ""
		}
		i += j + 1
		a, n := agencyAt(text[i:])
		if a == "" || !strings.HasPrefix(text[i+n:], ")") {
			continue
		}
		after := strings.TrimLeft(text[i+n+1:], " \t")
		if strings.HasPrefix(after, "-") || strings.HasPrefix(after, "—") || strings.HasPrefix(after, "–") || strings.HasPrefix(after, ":") {
			return a
		}
		lineStart := strings.LastIndexByte(text[:i-1], '\n') + 1
		if isDateline(strings.TrimRight(text[lineStart:i-1], " ")) {
			return a
		}
	}
}

// isDateline reports whether s could be the dateline before a credit:
// short, and ending in a digit ("Oct 28") or a word in capitals ("KABUL").
func isDateline(s string) bool {
	if s == "" || len(s) > 60 || strings.ContainsRune(s, '(') {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s)
	if unicode.IsDigit(r) {
		return true
	}
	w := s[strings.LastIndexFunc(s, func(r rune) bool { return !IsWordRune(r) })+1:]
	return utf8.RuneCountInString(w) >= 2 && strings.ToUpper(w) == w && strings.ToLower(w) != w
}

// trailerCredit finds a line that is an agency name alone or ends with a
// dash, slash or bar and an agency name ("— AFP", "/APP").
func trailerCredit(text string) string {
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		for i := len(line) - 1; i >= 0 && len(line)-i <= 40; i-- {
			if i > 0 && !strings.ContainsAny(line[i-1:i], "—–-/| ") && line[i-1] < 0x80 {
				continue
			}
			a, n := agencyAt(line[i:])
			if a == "" || i+n != len(line) {
				continue
			}
			before := strings.TrimRight(line[:i], " ")
			if before == "" || strings.HasSuffix(before, "-") || strings.HasSuffix(before, "—") ||
				strings.HasSuffix(before, "–") || strings.HasSuffix(before, "/") || strings.HasSuffix(before, "|") {
				return a
			}
		}
	}
	return ""
}

// phraseCredit finds a credit phrase followed by an agency name.
// lower is asciiLower(text).
func phraseCredit(text, lower string) string {
	for _, p := range creditPhrases {
		for i := 0; ; {
			j := strings.Index(lower[i:], p)
			if j < 0 {
				break
			}
			i += j + len(p)
			if k := i - len(p) - 1; k >= 0 && IsWordRune(rune(lower[k])) {
				continue // the phrase must start a word
			}
			if a, _ := agencyAt(text[i:]); a != "" {
				return a
			}
		}
	}
	return ""
}

// asciiLower lower-cases ASCII letters only, keeping byte offsets.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// publishedOnCredit finds "originally published on <outlet>".
func publishedOnCredit(text, lower string) string {
	if !strings.Contains(lower, "published") && !strings.Contains(lower, "appeared") {
		return ""
	}
	m := publishedOn.FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	name := strings.TrimRight(strings.TrimSpace(m[1]), " ,;:")
	low := strings.ToLower(name)
	if name == "" || strings.HasPrefix(low, "this ") || strings.HasPrefix(low, "our ") || low == "here" {
		return ""
	}
	if a, ok := agencies[name]; ok {
		return a
	}
	return name
}
