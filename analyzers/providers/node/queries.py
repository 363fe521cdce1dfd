"""The tree-sitter queries that read Node code. One text each, compiled once per grammar
(javascript, typescript and tsx all accept them: tests/providers/node/test_code.py compiles every one).

Only syntax is matched here; what a match means (a port, a default, a queue) is decided in
:mod:`.code` and :mod:`.workers`, with the static evaluator for the values.
"""

from __future__ import annotations

# process.env.X, process.env['X'], const { A, B = 'd' } = process.env, and `const env = process.env` aliases
ENV = """
(member_expression
  object: (member_expression object: (identifier) @_p property: (property_identifier) @_e)
  property: (property_identifier) @name
  (#eq? @_p "process") (#eq? @_e "env")) @read
(subscript_expression
  object: (member_expression object: (identifier) @_p property: (property_identifier) @_e)
  index: (string (string_fragment) @name)
  (#eq? @_p "process") (#eq? @_e "env")) @read
(variable_declarator
  name: (object_pattern) @pattern
  value: (member_expression object: (identifier) @_p property: (property_identifier) @_e)
  (#eq? @_p "process") (#eq? @_e "env")) @destructure
(variable_declarator
  name: (identifier) @alias
  value: (member_expression object: (identifier) @_p property: (property_identifier) @_e)
  (#eq? @_p "process") (#eq? @_e "env")) @aliasing
"""

# reads through an alias (`env.X`, `env['X']`): filtered by the alias names in code.py
ALIASED = """
(member_expression object: (identifier) @obj property: (property_identifier) @name) @read
(subscript_expression object: (identifier) @obj index: (string (string_fragment) @name)) @read
"""

# calls and constructions by the name of the function (or method) called
CALL_NAMES = ("listen", "get", "all", "head", "route", "use", "require", "schedule", "scheduleJob", "process", "every",
              "define", "on", "once", "addListener", "createQueue", "enableShutdownHooks", "createTerminus",
              "express", "Koa", "fastify", "Fastify", "server", "Server", "create", "createServer",
              "createApplicationContext", "Queue", "Worker", "Bull", "CronJob", "Agenda", "from", "job", "config",
              "cleanEnv", "convict")
_NAMES = " ".join(f'"{n}"' for n in CALL_NAMES)
CALLS = f"""
(call_expression
  function: [(identifier) @fn (member_expression object: (_) @obj property: (property_identifier) @fn)]
  arguments: (arguments) @args
  (#any-of? @fn {_NAMES})) @call
(new_expression
  constructor: [(identifier) @fn (member_expression object: (_) @obj property: (property_identifier) @fn)]
  arguments: (arguments) @args
  (#any-of? @fn {_NAMES})) @new
"""

IMPORTS = """
(import_statement source: (string (string_fragment) @module)) @import
"""

# Nest decorators with their arguments: @Controller('health'), @Get(), @Processor('q'), @Cron('0 * * * *')
DECORATORS = """
(decorator (call_expression function: (identifier) @name arguments: (arguments) @args
  (#any-of? @name "Controller" "Get" "All" "Head" "Processor" "Process" "Cron" "Interval"))) @decorator
"""

ALL = {"env": ENV, "aliased": ALIASED, "calls": CALLS, "imports": IMPORTS, "decorators": DECORATORS}
