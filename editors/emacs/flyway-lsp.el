;;; flyway-lsp.el --- flyway-lsp with eglot (Emacs 29+)  -*- lexical-binding: t; -*-
;; Load from your init file: (load "/path/to/editors/emacs/flyway-lsp.el")

(with-eval-after-load 'eglot
  (add-to-list 'eglot-server-programs
               '((sql-mode sql-ts-mode) . ("flyway-lsp" "serve"))))

(add-hook 'sql-mode-hook #'eglot-ensure)

(defun flyway-lsp-command (command &rest args)
  "Run a flyway-lsp server COMMAND on the current file, with ARGS."
  (let ((server (eglot-current-server)))
    (eglot-execute-command server command
                           (vconcat (list (eglot--path-to-uri (buffer-file-name))) args))))

(defun flyway-lsp-new-migration (description)
  "Create the next versioned migration with DESCRIPTION."
  (interactive "sDescription: ")
  (flyway-lsp-command "flyway-lsp.createNextMigration" description))

(defun flyway-lsp-undo-migration ()
  "Create the undo (U) migration of the current versioned migration."
  (interactive)
  (flyway-lsp-command "flyway-lsp.createUndoMigration"))

(defun flyway-lsp-validate ()
  "Validate the folder against the configured database."
  (interactive)
  (flyway-lsp-command "flyway-lsp.validateDatabase"))

(defun flyway-lsp-dry-run ()
  "Dry-run the pending migrations."
  (interactive)
  (flyway-lsp-command "flyway-lsp.dryRunPending"))
