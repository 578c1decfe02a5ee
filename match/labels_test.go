package match

// datasetLabels labels the Afghanistan/Pakistan items of the corpus
// datasets (../shared/corpus/feeds/datasets) by item id: true for reports on
// the Afghanistan–Pakistan talks and their ceasefire, false for items about
// the two countries that are not about the talks. Items whose short feed
// description cannot be judged either way are left out of the evaluation
// (listed as ambiguous). Every other dataset item is a negative.
var datasetLabels = map[string]bool{
	"3852555": true,  // will the peace agreement hold (Doha ceasefire)
	"3852557": true,  // what we know about the ceasefire, Qatar/Turkiye mediation
	"3849412": true,  // ceasefire after Doha talks (video)
	"3848248": true,  // agree to immediate ceasefire after talks in Doha
	"3852421": true,  // editorial on the ceasefire announcement
	"3849255": true,  // ceasefire agreement in Doha talks
	"3903306": true,  // 'open war' warning as Istanbul talks are held
	"3946031": true,  // truce extended, Turkiye statement
	"4012471": true,  // talks deadlocked after border clashes
	"3795806": false, // border clashes before any talks
	"3852422": false, // India–Taliban relations
	"3849256": false, // cricket tri-series
	"4013288": false, // Pakistan–Bangladesh
}

// ambiguousIDs are dataset items left out of the evaluation: Pakistani
// opinion pieces on Afghan relations whose one-line description does not
// say whether they discuss the talks.
var ambiguousIDs = map[string]bool{
	"3853004": true, // "Pak response to Afghanistan"
	"3853009": true, // "Afghan de-escalation strip"
	"4013282": true, // "Pak-Afghan uneasy relations"
}
