// Package match is wirewatch's pure core: the stored Item, text
// normalisation, topic rules (compile, score, explain), rule learning and
// evaluation. It imports no other package of this module and does no I/O
// beyond what callers hand it.
//
// # The rule language
//
// A topic is a `[[topic]]` table in config.toml (or a file it includes);
// TopicSpec mirrors it field by field:
//
//	[[topic]]
//	name = "afpak-talks"      # required, unique
//	threshold = 8.0           # keep when score >= threshold (and facets hold)
//	title_boost = 1.5         # rules that match in the title weigh this much more (0 or 1: none)
//
//	[[topic.facet]]           # a group the item must cover
//	name = "afghanistan"
//	min = 1                   # at least this many of the facet's rules must fire (0 means 1)
//
//	[[topic.entity]]          # a named thing, with every spelling it goes by
//	name = "Kabul"
//	aliases = ["کابل", "كابول", "काबुल"]
//	weight = 2.0
//	facet = "afghanistan"     # optional
//
//	[[topic.term]]            # a word or phrase, with optional aliases
//	text = "talks"
//	aliases = ["*محادثات", "müzakere*", "बातचीत"]
//	weight = 3.0
//	facet = "talks"
//
//	[[topic.negative]]        # subtracts its weight when it fires
//	text = "cricket"
//	aliases = ["t20", "wickets"]
//	weight = 10.0
//
// Matching. Rule texts and item text are normalised the same way by Fold
// (NFKC, full case folding, diacritics removed, quotes/dashes unified) and
// cut into words by Words, so "TÜRKIYE", "Türkiye" and "Turkiye" are one
// spelling, and "Tehrik-i-Taliban", "Tehrik i Taliban" and
// "Tehrik‑i‑Taliban" are the same three words. A rule matches whole words
// only: "Pakistan" never fires inside "Pakistani". A word of a rule may end
// with "*" (prefix: "müzakere*" matches "müzakereleri", for Turkish case
// endings) or start with "*" (suffix: "*محادثات" matches "والمحادثات", for
// Arabic particles written onto the next word); wildcard words need three
// letters. Text in scripts written without spaces (Thai, Chinese,
// Japanese) forms one long word per run, so a rule never fires on part of
// it: there are no false whole-word matches, and such scripts need rules
// that are whole runs.
//
// Overlaps. When two rules match overlapping words, the longer match wins
// and the words inside it count only for it: "Pakistani Taliban" (an alias
// of the TTP entity) does not also fire "Pakistani" (the Pakistan entity)
// or "Taliban"; "talks with the TTP" (a negative) swallows "talks".
//
// Scoring. Each rule counts once however often it matches: its weight,
// times title_boost if it matched in the title; negatives subtract. An item
// is kept when every facet has at least min of its rules fired and the
// total reaches threshold. A topic with no rules at all is a firehose: it
// keeps every item (and may declare no facets).
//
// Validation. CompileTopic checks everything at config load and names the
// table, the position, the rule and the field (config load adds the file,
// line and topic):
//
//	entity[2] "Kabul": aliases[1]: "!" has no words
//	term[0] "talks": facet: "talk" is not declared in a [[topic.facet]] table
//
// Two rules may not share a spelling (after folding); weights must be > 0
// (negatives too: their weight is subtracted); a facet must be declared,
// used by at least min rules, and cannot be named by a negative.
//
// # Verdicts and explanations
//
// Topic.Score returns a Verdict: the score, the decision, the compact Hits
// stored with an item, and for `wirewatch explain` every RuleMatch (rule,
// facet, weight contributed, whether the title boost applied, how often,
// and the first occurrences as byte offsets and original text) and every
// facet's coverage. Verdict.Explain renders it for people.
//
// # Learning
//
// Learn derives a topic from example articles (see LearnOptions): names
// (capitalised runs, acronyms) merged into entities by folding, consonant
// skeletons for transliterations (Tehrik-i / Tehreek-e), acronyms in
// parentheses or matching initials, short forms of longer names, and a
// small gazetteer of exonyms and demonyms (Turkey / Türkiye / Turkish);
// terms and phrases frequent in the examples and rare in the background
// (the built-in background is word document frequencies of real feeds,
// background.tsv); facets for the parties (the places named far more than
// any other, with the people named right after them) and for the event
// (terms in 80% of the examples); negatives from near-miss documents; and
// a threshold between the lowest example (or example lead) and the highest
// background document that covers every facet. RenderTOML prints the
// result as commented, deterministic TOML.
//
// # Evaluation
//
// ReadExamples parses labelled JSON Lines ({"title","text","label"}) and
// Evaluate reports precision, recall, F1 and every misclassified example
// with its verdict.
package match
