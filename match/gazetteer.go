package match

// "US" is left out on purpose: folded it is the pronoun "us".
//
// places is a small built-in gazetteer used by Learn to merge known exonyms
// and demonyms into one entity ("Turkey", "Türkiye", "Turkish") and to tell
// the parties of a story from its mediators and venues. Each entry is a
// canonical name, then other names and adjectives, then capitals. These are
// facts about names, listed by hand.
var places = []place{
	{"Afghanistan", []string{"Afghan", "Afghans"}, []string{"Kabul"}},
	{"Pakistan", []string{"Pakistani", "Pakistanis"}, []string{"Islamabad"}},
	{"India", []string{"Indian", "Indians"}, []string{"New Delhi"}},
	{"Türkiye", []string{"Turkey", "Turkish", "Turks"}, []string{"Ankara"}},
	{"Qatar", []string{"Qatari", "Qataris"}, []string{"Doha"}},
	{"Iran", []string{"Iranian", "Iranians"}, []string{"Tehran"}},
	{"China", []string{"Chinese"}, []string{"Beijing"}},
	{"United States", []string{"U.S.", "USA", "America", "American", "Americans"}, []string{"Washington"}},
	{"Russia", []string{"Russian", "Russians"}, []string{"Moscow"}},
	{"Ukraine", []string{"Ukrainian", "Ukrainians"}, []string{"Kyiv", "Kiev"}},
	{"Israel", []string{"Israeli", "Israelis"}, []string{"Jerusalem"}},
	{"Egypt", []string{"Egyptian", "Egyptians"}, []string{"Cairo"}},
	{"Saudi Arabia", []string{"Saudi", "Saudis"}, []string{"Riyadh"}},
	{"United Arab Emirates", []string{"UAE", "Emirati"}, []string{"Abu Dhabi"}},
	{"Bangladesh", []string{"Bangladeshi"}, []string{"Dhaka"}},
	{"United Kingdom", []string{"UK", "Britain", "British"}, []string{"London"}},
	{"France", []string{"French"}, []string{"Paris"}},
	{"Palestine", []string{"Palestinian", "Palestinians", "Gaza"}, nil},
}

type place struct {
	name     string
	names    []string // exonyms, short forms and demonyms
	capitals []string
}

// placeIndex maps a folded name to its place and whether it is a capital.
type placeRef struct {
	place   int
	capital bool
}

func placeIndex() map[string]placeRef {
	m := map[string]placeRef{}
	for i, p := range places {
		m[foldKey(p.name)] = placeRef{place: i}
		for _, n := range p.names {
			m[foldKey(n)] = placeRef{place: i}
		}
		for _, c := range p.capitals {
			m[foldKey(c)] = placeRef{place: i, capital: true}
		}
	}
	return m
}

func foldKey(s string) string {
	ws := Words(Fold(s))
	out := ""
	for i, w := range ws {
		if i > 0 {
			out += " "
		}
		out += w
	}
	return out
}
