"""Watches: the watch language, its parser, the matcher and the watches file (see
README.md, "The watch language"). ``flagging`` applies them to newly stored articles."""
