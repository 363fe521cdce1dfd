"""How each Node package manager installs frozen from its lock, and prunes devDependencies.

One row per manager (and yarn flavour / linker): the production-only install for a final or deps stage,
the full install for a build stage, the prune after a build, and the step that puts the tool in the
image when node images lack it. Taken from Railpack's ``package_manager.go`` and Heroku's buildpack,
checked against each manager's documentation (design §5.3).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Installs:
    manager: str
    prod: str  # a final (or deps) stage: production dependencies only
    full: str  # a build stage: devDependencies too (the build needs them)
    prune: str | None  # after the build, before copying node_modules on; None: nothing to prune
    setup: str | None  # puts the tool in the image (node images ship npm only, and corepack)
    frozen: bool  # installs exactly the lock (False: no lockfile, the install is not reproducible)
    note: str | None = None


def installs(manager: str, *, lock: bool = True, flavor: str | None = None, pnp: bool = False,
             version: str | None = None, yarn_path: str | None = None) -> Installs:
    """The commands for ``manager`` (npm, yarn, pnpm, bun). ``flavor`` is yarn's classic/berry, ``pnp`` a
    berry Plug'n'Play install, ``version`` the corepack version (``packageManager``), ``yarn_path`` a
    berry release committed in the repo (``.yarn/releases/yarn-3.6.1.cjs``)."""
    pinned = f"{manager}@{version}" if version else None
    if manager == "npm":
        if not lock:
            return Installs("npm", "npm install --omit=dev", "npm install", "npm prune --omit=dev", None, False,
                            "no lockfile: the install is not reproducible")
        return Installs("npm", "npm ci --omit=dev && npm cache clean --force", "npm ci", "npm prune --omit=dev", None,
                        True)
    if manager == "yarn" and flavor != "berry":
        return Installs("yarn", "yarn install --frozen-lockfile --production --non-interactive && yarn cache clean",
                        "yarn install --frozen-lockfile --non-interactive",
                        "yarn install --frozen-lockfile --production --ignore-scripts --prefer-offline",
                        None, lock, "node images ship yarn 1 (the offline stand-ins: yarnpkg)")
    if manager == "yarn":
        prepare = f" && corepack prepare {pinned} --activate" if pinned else ""
        setup = None if yarn_path else f"corepack enable{prepare}"  # a committed yarnPath runs by itself
        if pnp:
            return Installs("yarn", "yarn install --immutable", "yarn install --immutable", None, setup, lock,
                            "Plug'n'Play: no node_modules; start node with -r ./.pnp.cjs")
        return Installs("yarn", "yarn workspaces focus --all --production", "yarn install --immutable",
                        "yarn workspaces focus --all --production", setup, lock,
                        "focus needs the workspace-tools plugin on yarn 2 and 3 (built into yarn 4)")
    if manager == "pnpm":
        setup = f"corepack enable && corepack prepare {pinned} --activate" if pinned else "corepack enable"
        return Installs("pnpm", "pnpm install --frozen-lockfile --prod", "pnpm install --frozen-lockfile",
                        "pnpm prune --prod", setup, lock)
    if manager == "bun":
        return Installs("bun", "bun install --frozen-lockfile --production", "bun install --frozen-lockfile", None,
                        None, lock, "bun has no node image: install in a stage FROM oven/bun:1 (no offline stand-in)")
    raise ValueError(f"unknown package manager {manager!r}")

