package match

import (
	"strings"
)

// Boilerplate is the text republishers wrap around an article they did not
// write: "This post was originally published on this site", bylines, share
// prompts, "Read more:" links, dates. It is removed before fingerprinting so
// that two copies of one wire report differ only in what the outlets really
// changed. All tests run on folded text (see Fold).

// boilerPrefixes start a line that is boilerplate as a whole.
var boilerPrefixes = []string{
	"this post was originally published",
	"this article was originally published",
	"this article was first published",
	"this story was originally published",
	"this story was first published",
	"originally published on",
	"originally published at",
	"first published on",
	"read more",
	"read also",
	"also read",
	"read next",
	"see also",
	"related:",
	"related news",
	"related articles",
	"related stories",
	"recommended:",
	"recommended stories",
	"click here",
	"continue reading",
	"share:",
	"share this",
	"share on ",
	"share article",
	"follow us",
	"subscribe to",
	"sign up for",
	"audio loading",
	"listen to this",
	"be the first to comment",
	"leave a comment",
	"comments (",
	"copyright ",
	"all rights reserved",
	"published on ",
	"published:",
	"updated on ",
	"updated:",
	"last updated",
	"posted on ",
	"posted by ",
	"written by ",
	"reporting by ",
	"editing by ",
	"written and edited by ",
	"with inputs from ",
	"(with inputs from",
	"based on ani report",
	"image source",
	"photo:",
	"file photo",
	"getty images",
}

// boilerWholeLines are short lines that are boilerplate when they are all
// there is on the line.
var boilerWholeLines = map[string]bool{
	"share": true, "tweet": true, "email": true, "print": true, "comments": true,
	"advertisement": true, "ad": true, "sponsored": true, "facebook": true,
	"twitter": true, "whatsapp": true, "linkedin": true, "telegram": true,
	"reddit": true, "copy link": true, "synopsis": true, "key takeaways": true,
	"story continues below advertisement": true, "scroll to continue": true,
	"web desk": true, "news desk": true, "staff report": true,
}

// inlineBoiler are boilerplate sentences that also occur inside a line, for
// feeds whose HTML was flattened into one paragraph. Each is cut out up to
// and including the end of its sentence.
var inlineBoiler = []string{
	"this post was originally published on this site",
	"this article was originally published on",
	"be the first to comment",
	"read more:",
	"also read:",
	"read also:",
	"also read |",
	"share:",
	"audio loading",
}

// timeWords are the words a timestamp line is made of, besides numbers.
var timeWords = map[string]bool{
	"am": true, "pm": true, "ist": true, "pkt": true, "gmt": true, "utc": true,
	"est": true, "edt": true, "bst": true, "cet": true, "cest": true, "aft": true,
	"trt": true, "ast": true, "pst": true, "pdt": true, "z": true, "t": true,
	"updated": true, "published": true, "posted": true, "on": true, "at": true,
	"last": true, "hours": true, "hour": true, "minutes": true, "mins": true,
	"min": true, "ago": true, "read": true, "jan": true, "january": true,
	"feb": true, "february": true, "mar": true, "march": true, "apr": true,
	"april": true, "may": true, "jun": true, "june": true, "jul": true,
	"july": true, "aug": true, "august": true, "sep": true, "sept": true,
	"september": true, "oct": true, "october": true, "nov": true,
	"november": true, "dec": true, "december": true, "mon": true,
	"monday": true, "tue": true, "tues": true, "tuesday": true, "wed": true,
	"wednesday": true, "thu": true, "thur": true, "thurs": true,
	"thursday": true, "fri": true, "friday": true, "sat": true,
	"saturday": true, "sun": true, "sunday": true, "today": true,
	"yesterday": true,
}

// maxBoilerLineWords: a line longer than this is article text even when it
// starts like boilerplate (a feed that flattened its HTML into one line);
// inline boilerplate is then cut out sentence by sentence.
const maxBoilerLineWords = 25

// isBoilerLine reports whether a folded, trimmed line is boilerplate.
func isBoilerLine(line string) bool {
	if line == "" {
		return true
	}
	if boilerWholeLines[strings.TrimRight(line, " :.")] {
		return true
	}
	words := Words(line)
	if len(words) <= maxBoilerLineWords {
		for _, p := range boilerPrefixes {
			if strings.HasPrefix(line, p) {
				return true
			}
		}
	}
	if strings.HasPrefix(line, "the post ") && strings.Contains(line, " appeared first on ") {
		return true // WordPress feed footer
	}
	if strings.HasPrefix(line, "by ") && len(words) <= 6 && !strings.ContainsAny(line, ".!?\"") {
		return true // byline: "By Jane Doe | Islamabad"
	}
	if len(words) == 0 {
		return true // only punctuation or symbols
	}
	if len(words) <= 2 && !strings.ContainsAny(line, " \t") && strings.ContainsAny(line, "._@") {
		return true // a user name as byline: "najibullah.lalzoy"
	}
	return isTimestampLine(words)
}

// isTimestampLine reports whether every word is a number or a date/time word
// ("Tue, 10/28/2025 – 21:45", "Updated: Oct 28, 2025 10:45 PM IST").
func isTimestampLine(words []string) bool {
	digits := 0
	for _, w := range words {
		switch {
		case isDigits(w):
			digits++
		case timeWords[w]:
		case len(w) > 2 && isDigits(w[:len(w)-2]) && (strings.HasSuffix(w, "st") || strings.HasSuffix(w, "nd") || strings.HasSuffix(w, "rd") || strings.HasSuffix(w, "th")):
			digits++ // 28th
		default:
			return false
		}
	}
	return digits > 0
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// maxInlineWords bounds what an inline "Read more: <headline>" cut removes
// after the prefix: in flattened text nothing marks where the linked
// headline ends, so the cut stops at a sentence end or after this many words.
const maxInlineWords = 12

// cutInlineBoiler removes inline boilerplate sentences from a folded line.
func cutInlineBoiler(line string) string {
	for _, p := range inlineBoiler {
		from := 0
		for {
			i := strings.Index(line[from:], p)
			if i < 0 {
				break
			}
			i += from
			end := inlineEnd(line, i+len(p))
			line = line[:i] + " " + line[end:]
			from = i + 1
		}
	}
	return line
}

// inlineEnd returns where the boilerplate sentence that continues at
// line[start:] ends: after its closing punctuation, or after maxInlineWords
// words.
func inlineEnd(line string, start int) int {
	words, inWord := 0, false
	for i, r := range line[start:] {
		switch {
		case r == '.' || r == '!' || r == '?' || r == '|':
			return start + i + 1
		case IsWordRune(r):
			if !inWord {
				if words == maxInlineWords {
					return start + i
				}
				words++
			}
			inWord = true
		default:
			inWord = false
		}
	}
	return len(line)
}

// CanonicalWords returns the words of text that identify an article: the
// text is split into lines, boilerplate lines are dropped, the rest is folded
// (see Fold) and split into words (see Words). Lines repeated verbatim (a
// feed's excerpt followed by the full text) count once.
func CanonicalWords(text string) []string {
	var out []string
	seen := make(map[string]bool)
	for raw := range strings.Lines(text) {
		line := strings.TrimSpace(cutInlineBoiler(Fold(raw)))
		if isBoilerLine(line) {
			continue
		}
		ws := Words(line)
		if len(ws) == 0 {
			continue
		}
		key := strings.Join(ws, " ")
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, ws...)
	}
	return out
}
