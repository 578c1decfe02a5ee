package main

import "github.com/spf13/cobra"

// explainCmd is the explain command with only its --dup path (see
// withDupFlag); the rule explanations are another command's business.
func (a *app) explainCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "explain --dup ID",
		Short: "Explain a decision wirewatch made about a stored item",
		Example: `  wirewatch explain --dup 42
  wirewatch explain --dup 42 --dup-format json`,
		Args: positional(cobra.NoArgs),
	}
	return a.withDupFlag(cmd)
}
