"""Watches: the watch language, its parser, the matcher and the watches file (see
docs/watch-language.md). ``flagging`` applies them to newly stored articles."""
