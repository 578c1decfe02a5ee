package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wirewatch/wirewatch/match"
	"github.com/wirewatch/wirewatch/watcher"
)

func (a *app) learnCmd() *cobra.Command {
	var name string
	var background, negative []string
	cmd := &cobra.Command{
		Use:   "learn --name NAME [--background PATH...] [--negative PATH...] EXAMPLE...",
		Short: "Learn a topic from example articles and print it as TOML",
		Long: `learn reads example articles (plain text files, or feed files whose items
are all examples) and prints a [[topic]] table with comments, ready to paste
into config.toml or to save under topics/ and include. Background files
(off-topic news) set the threshold; negative files (near misses) give
negative rules. The summary with the margin goes to stderr. The same input
always gives the same bytes.`,
		Example: "  wirewatch learn --name afpak-talks ../shared/seeds/*.txt > topics/afpak-talks.toml\n" +
			"  wirewatch learn --name afpak-talks --background feeds/*.xml --negative cricket.txt seeds/*.txt",
		Args: positional(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(name) == "" {
				return usageError{fmt.Errorf("--name is required")}
			}
			opts := match.LearnOptions{Name: name}
			var err error
			if opts.Examples, err = readDocs(args); err != nil {
				return err
			}
			if opts.Background, err = readDocs(background); err != nil {
				return err
			}
			if opts.Negatives, err = readDocs(negative); err != nil {
				return err
			}
			res, err := match.Learn(opts)
			if err != nil {
				return err
			}
			header := []string{
				fmt.Sprintf("Topic %q learned by `wirewatch learn` from %d examples, %d background and %d negative documents.",
					name, len(opts.Examples), len(opts.Background), len(opts.Negatives)),
				res.Summary(),
			}
			if _, err := a.stdout.Write(match.RenderTOML(res.Spec, header, res.Notes)); err != nil {
				return err
			}
			fmt.Fprintln(a.stderr, "learn: "+res.Summary())
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "topic name (required)")
	cmd.Flags().StringArrayVar(&background, "background", nil, "off-topic text or feed file (repeatable)")
	cmd.Flags().StringArrayVar(&negative, "negative", nil, "near-miss text or feed file (repeatable)")
	return cmd
}

// readDocs reads each path as documents: a feed file gives one document per
// item; any other file is one plain-text document whose first line is its
// title.
func readDocs(paths []string) ([]match.Doc, error) {
	var docs []match.Doc
	for _, p := range paths {
		body, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		ds, err := docsOf(body, filepath.Ext(p))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		docs = append(docs, ds...)
	}
	return docs, nil
}

// docsOf turns a file body into documents: feed items when it parses as a
// feed (by extension .xml/.rss/.atom/.json, or by its first bytes), else
// one text document.
func docsOf(body []byte, ext string) ([]match.Doc, error) {
	if looksLikeFeed(body, ext) {
		doc, err := watcher.ParseFeed(body, "")
		if err != nil {
			return nil, fmt.Errorf("not a readable feed: %w", err)
		}
		var docs []match.Doc
		for _, it := range doc.Items {
			docs = append(docs, match.Doc{Title: it.Title, Text: it.Summary})
		}
		return docs, nil
	}
	title, text, _ := strings.Cut(strings.TrimLeft(string(body), "\ufeff \t\r\n"), "\n")
	return []match.Doc{{Title: strings.TrimSpace(title), Text: text}}, nil
}

func looksLikeFeed(body []byte, ext string) bool {
	switch strings.ToLower(ext) {
	case ".xml", ".rss", ".atom", ".rdf":
		return true
	case ".txt", ".md":
		return false
	}
	head := strings.TrimLeft(string(body[:min(len(body), 512)]), "\ufeff \t\r\n")
	return strings.HasPrefix(head, "<?xml") || strings.HasPrefix(head, "<rss") || strings.HasPrefix(head, "<feed") ||
		strings.HasPrefix(head, "<rdf") || (strings.HasPrefix(head, "{") && strings.Contains(head, "jsonfeed"))
}
