"""``migrate fleet``: an organisation's repositories as the unit of work.

- :mod:`.sources` reads the list (clone URLs or local paths), :mod:`.github_org` lists an organisation;
- :mod:`.shard` picks one deterministic slice (``--shard I/N``) so engines that already scale (a GitHub
  Actions matrix, a Kubernetes Indexed Job: :mod:`.emit`) run the slices, never a scheduler of ours;
- :mod:`.worker` turns one repository into one :class:`.record.Record` (clone, analyze, and optionally
  generate, verify, open the PR), :mod:`.run` runs the workers with bounded parallelism, resumably;
- :mod:`.report` and :mod:`.dashboard` merge the records into Markdown and a single-file HTML page.
"""
