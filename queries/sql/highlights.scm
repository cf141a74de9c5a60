; extends
;
; Flyway additions to the SQL highlights of tree-sitter-sequel (the `sql` grammar of
; nvim-treesitter and Helix). Neovim 0.9+: put this file on the runtimepath as
; queries/sql/highlights.scm; the `; extends` line keeps the grammar's own highlights. Helix:
; append the patterns below to runtime/queries/sql/highlights.scm.

; Flyway placeholders `${name}`: the grammar does not know them and yields ERROR "${", the name,
; ERROR "}" (all inside an ERROR node). Highlight the parts instead of leaving them as errors.
((ERROR) @punctuation.special
  (#eq? @punctuation.special "${"))

(ERROR
  (ERROR) @_open
  .
  (_) @variable.parameter
  .
  (ERROR) @_close
  (#eq? @_open "${")
  (#eq? @_close "}"))

((ERROR) @punctuation.special
  (#eq? @punctuation.special "}"))

; A placeholder inside a string literal is still replaced by Flyway.
((literal) @string.special
  (#match? @string.special "\\$\\{[A-Za-z0-9_.:-]+\\}"))

; flyway-lsp suppression comments and Flyway's per-script settings.
((comment) @keyword.directive
  (#match? @keyword.directive "^--[ \t]*flyway-lsp-ignore"))

((comment) @keyword.directive
  (#match? @keyword.directive "^--[ \t]*flyway:[A-Za-z]+="))
