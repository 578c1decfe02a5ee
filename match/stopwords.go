package match

// storyStopwords are folded English function words and newsroom fillers that
// carry no story identity; they are neither key terms nor (when
// capitalised at a sentence start or in a headline) entities.
var storyStopwords = func() map[string]bool {
	m := make(map[string]bool)
	for _, w := range []string{
		"a", "about", "above", "after", "again", "against", "all", "also", "although", "am", "among", "an", "and",
		"another", "any", "are", "around", "as", "at", "be", "because", "been", "before", "being", "below",
		"between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each",
		"earlier", "either", "even", "ever", "every", "few", "for", "former", "from", "further", "had", "has",
		"have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "however",
		"i", "if", "in", "into", "is", "it", "its", "itself", "just", "last", "later", "least", "less", "like",
		"many", "may", "me", "meanwhile", "might", "more", "most", "much", "must", "my", "near", "neither",
		"new", "next", "no", "nor", "not", "now", "of", "off", "often", "on", "once", "one", "only", "or",
		"other", "others", "our", "ours", "out", "over", "own", "per", "rather", "said", "same", "say", "says",
		"saying", "several", "she", "should", "since", "so", "some", "still", "such", "than", "that", "the",
		"their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "though",
		"through", "thus", "to", "told", "too", "towards", "under", "until", "up", "upon", "us", "very", "via",
		"was", "we", "were", "what", "when", "where", "whether", "which", "while", "who", "whom", "whose",
		"why", "will", "with", "within", "without", "would", "yet", "you", "your", "according", "added",
		"amid", "despite", "including", "reportedly", "stated", "noted", "week", "weeks", "year", "years",
		"time", "times", "first", "second", "third", "two", "three", "four", "five", "also", "already",
		"made", "make", "take", "taken", "took", "being", "given", "well", "video", "photo", "photos", "watch",
		"read", "more", "news", "report", "reports", "reported", "sources", "source", "official", "officials",
		"breaking", "update", "live", "mr", "mrs", "ms", "dr",
	} {
		m[w] = true
	}
	return m
}()
