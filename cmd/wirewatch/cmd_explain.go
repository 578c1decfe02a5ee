package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/wirewatch/wirewatch/match"
)

func (a *app) explainCmd() *cobra.Command {
	var topicName string
	cmd := &cobra.Command{
		Use:   "explain [--topic NAME] ID|FILE|- | explain --dup ID",
		Short: "Show why a stored item or a text is kept or dropped",
		Long: `explain scores a stored item (by ID), a file (a feed: every item; else
plain text whose first line is the title) or standard input (-) against the
configured topics and prints each rule that fired, where, its weight, the
facets satisfied or missing, the total against the threshold and the verdict.

With --dup ID it explains the copy and story decision for stored item ID
instead: every candidate that shared a band key, its similarity against the
thresholds, and the story it joined.`,
		Example: "  wirewatch explain 42\n  wirewatch explain --topic afpak-talks article.txt\n  curl -s URL | wirewatch explain -\n  wirewatch explain --dup 42",
		Args:    positional(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			topics, err := a.selectTopics(topicName)
			if err != nil {
				return err
			}
			docs, err := a.explainInput(cmd, args[0])
			if err != nil {
				return err
			}
			for i, d := range docs {
				if i > 0 {
					fmt.Fprintln(a.stdout)
				}
				fmt.Fprintf(a.stdout, "%s\n", d.label)
				for _, t := range topics {
					fmt.Fprint(a.stdout, t.ScoreText(d.Title, d.Text).Explain())
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&topicName, "topic", "", "explain against this topic only (default: every topic)")
	return a.withDupFlag(cmd)
}

type labelledDoc struct {
	match.Doc
	label string
}

// explainInput reads "-" (stdin), an existing file, or else a stored item ID.
func (a *app) explainInput(cmd *cobra.Command, arg string) ([]labelledDoc, error) {
	var body []byte
	var err error
	ext := ""
	switch _, statErr := os.Stat(arg); {
	case arg == "-":
		body, err = io.ReadAll(a.stdin)
	case statErr == nil:
		body, err = os.ReadFile(arg)
		ext = filepath.Ext(arg)
	default:
		r, done, err := a.openReader()
		if err != nil {
			return nil, fmt.Errorf("%s is neither a file nor a stored item: %w", arg, err)
		}
		defer done()
		it, err := r.Item(cmd.Context(), arg)
		if err != nil {
			return nil, err
		}
		return []labelledDoc{{match.Doc{Title: it.Title, Text: it.Summary}, fmt.Sprintf("item %s: %s", it.ID, it.Title)}}, nil
	}
	if err != nil {
		return nil, err
	}
	docs, err := docsOf(body, ext)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", arg, err)
	}
	out := make([]labelledDoc, len(docs))
	for i, d := range docs {
		out[i] = labelledDoc{d, fmt.Sprintf("%s #%d: %s", arg, i+1, d.Title)}
	}
	return out, nil
}

// selectTopics compiles the configured topics, or only the named one.
func (a *app) selectTopics(name string) ([]*match.Topic, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	topics, err := cfg.CompileTopics()
	if err != nil {
		return nil, err
	}
	if name == "" {
		return topics, nil
	}
	var names []string
	for _, t := range topics {
		if t.Name() == name {
			return []*match.Topic{t}, nil
		}
		names = append(names, t.Name())
	}
	return nil, usageError{fmt.Errorf("--topic %q: no such topic (configured: %v)", name, names)}
}
