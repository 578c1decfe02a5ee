package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/wirewatch/wirewatch/match"
)

func (a *app) evalCmd() *cobra.Command {
	var topicName string
	var minF1 float64
	cmd := &cobra.Command{
		Use:   "eval --topic NAME LABELS.jsonl",
		Short: "Measure a topic on labelled examples: precision, recall, F1, mistakes",
		Long: `eval scores every line of a JSON Lines file of labelled examples,
{"title": "...", "text": "...", "label": 1}  (1 on topic, 0 off topic),
and prints precision, recall and F1, then every misclassified example with
its explanation. With --min-f1 it exits 1 when F1 falls below the bar.`,
		Example: "  wirewatch eval --topic afpak-talks match/testdata/afpak-talks-labels.jsonl",
		Args:    positional(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			topics, err := a.selectTopics(topicName)
			if err != nil {
				return err
			}
			if len(topics) != 1 {
				return usageError{fmt.Errorf("--topic is required when %d topics are configured", len(topics))}
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			examples, err := match.ReadExamples(f, args[0])
			if err != nil {
				return err
			}
			r := match.Evaluate(topics[0], examples)
			fmt.Fprintf(a.stdout, "topic %q on %s\n%s", topics[0].Name(), args[0], r.Report())
			if minF1 > 0 && r.F1 < minF1 {
				return fmt.Errorf("F1 %.3f is below --min-f1 %.3f", r.F1, minF1)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&topicName, "topic", "", "topic to evaluate (required when several are configured)")
	cmd.Flags().Float64Var(&minF1, "min-f1", 0, "exit 1 when F1 is below this")
	return cmd
}
