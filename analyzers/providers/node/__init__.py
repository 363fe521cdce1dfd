"""The Node.js provider's building blocks: pure readers of package.json, lockfiles, version files, JS/TS
code and PM2/forever/nodemon configs over a RepoView, returning small frozen dataclasses with file and line.

The provider module itself (NAME, detect, classify, build_plan ...) is wired on top of these.
"""
