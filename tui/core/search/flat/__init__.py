"""The flat postings format (``.lps``): a segment's postings as arrays numpy reads in place."""
