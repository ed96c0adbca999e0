/* Fuzzy matching for pickers (assignees, labels, canned responses), the
 * way fzf and k9s match: the pattern's characters must appear in order in
 * the text, case-insensitively; consecutive runs and matches at the start
 * of words score higher. */
#ifndef MKT_FUZZY_H
#define MKT_FUZZY_H

/* The score of text for pattern (higher is better; an empty pattern
 * scores 0 for everything), or -1 when it does not match.  Both are
 * UTF-8; case folding covers Latin, Greek and Cyrillic letters. */
int	fuzzy_score(const char *pattern, const char *text);

/* text with its letters folded as fuzzy_score folds them, malloc'd, for
 * other case-insensitive matching (the queue's search of contact names).
 * Invalid UTF-8 bytes are copied as they are. */
char	*fuzzy_fold(const char *text);

#endif
