package match

import (
	"regexp"
	"strings"

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

var (
	agencyAlt = func() string {
		names := make([]string, 0, len(agencies))
		for n := range agencies {
			names = append(names, regexp.QuoteMeta(n))
		}
		// Longest first so "Anadolu Agency" wins over "Anadolu".
		for i := range names {
			for j := i + 1; j < len(names); j++ {
				if len(names[j]) > len(names[i]) {
					names[i], names[j] = names[j], names[i]
				}
			}
		}
		return strings.Join(names, "|")
	}()
	// "Kabul (AFP) -", "(Reuters) —", "ISLAMABAD, Oct 28 (APP):": a
	// parenthesised credit followed by a dash or colon, or after a dateline
	// (capitals or a date) at the start of a line. "Andhra Pradesh (AP)
	// government" is an abbreviation, not a credit.
	creditParen    = regexp.MustCompile(`\((` + agencyAlt + `)\)\s*[-—–:]`)
	creditDateline = regexp.MustCompile(`(?m)^[^\n(]{0,60}(?:\d|\b[A-Z]{2,}) ?\((` + agencyAlt + `)\)`)
	// a closing credit: "... said. — AFP", "-Reuters", "/APP", or the
	// agency alone on the last line.
	creditTrailer = regexp.MustCompile(`(?m)(?:^|[—–\-/|]\s*)(` + agencyAlt + `)\s*$`)
	// "Based on ANI report", "with inputs from PTI", "Source: AFP",
	// "courtesy Reuters", "via Anadolu Agency"
	creditPhrase = regexp.MustCompile(`(?i:based on (?:an? |the )?|with inputs? from |source: ?|courtesy:? |via |written by |reported by )(` + agencyAlt + `)\b`)
	// "This article was originally published on Dawn.", "The post X
	// appeared first on Daily Example."
	publishedOn = regexp.MustCompile(`(?i:originally published (?:on|by|in|at)|first published (?:on|by|in)|appeared first on|first appeared (?:on|in))\s+([^\n.!?]{2,60})`)
)

// maxOriginScan bounds the text DetectOrigin reads: credits sit at the
// start or the end of an article.
const maxOriginScan = 8 << 10

// DetectOrigin returns the agency or outlet a text says it came from, or ""
// when it says nothing. It recognises, strongest first: a parenthesised
// credit ("Kabul (AFP) -", "ISLAMABAD, Oct 28 (APP):"), a closing credit ("— AFP"
// on the last line), phrases such as "Based on ANI report" or "with inputs
// from PTI", and "originally published on <outlet>" (not "on this site").
// Agency names are matched case-sensitively: "APP" is the Associated Press
// of Pakistan, "app" is not. A mention alone ("told Reuters") is no credit.
func DetectOrigin(text string) string {
	if len(text) > 2*maxOriginScan {
		text = text[:maxOriginScan] + "\n" + text[len(text)-maxOriginScan:]
	}
	text = norm.NFKC.String(text)
	for _, re := range []*regexp.Regexp{creditParen, creditDateline, creditTrailer, creditPhrase} {
		if m := re.FindStringSubmatch(text); m != nil {
			return agencies[m[1]]
		}
	}
	if m := publishedOn.FindStringSubmatch(text); m != nil {
		name := strings.TrimSpace(m[1])
		name = strings.TrimRight(name, " ,;:")
		low := strings.ToLower(name)
		if name == "" || strings.HasPrefix(low, "this ") || strings.HasPrefix(low, "our ") || low == "here" {
			return ""
		}
		if a, ok := agencies[name]; ok {
			return a
		}
		return name
	}
	return ""
}
