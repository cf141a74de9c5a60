-- User commands and keymaps for flyway-lsp's server commands. Works from Neovim 0.7 on.
--
--   :FlywayNewMigration {description}   next V file in the folder's convention
--   :FlywayUndoMigration                matching U file for the current V file
--   :FlywayValidate                     compare with the database's flyway_schema_history
--   :FlywayDryRun                       run the pending migrations without changing the database
--   :FlywayMoveChange                   move an edit of an applied migration into a new one
--   :FlywayRecheck                      read the folders again (Neovim 0.7 does not watch files)
--
-- Keymaps (buffer-local, only when `vim.g.flyway_lsp_keymaps ~= false`):
--   <leader>fn new migration, <leader>fu undo migration, <leader>fv validate, <leader>fd dry-run

local M = {}

local function execute(client, bufnr, command, extra)
  local arguments = { vim.uri_from_bufnr(bufnr) }
  for _, value in ipairs(extra or {}) do
    table.insert(arguments, value)
  end
  client.request('workspace/executeCommand', { command = command, arguments = arguments }, function(err, result)
    if err then
      vim.notify('flyway-lsp: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
    elseif type(result) == 'table' and result[1] and result[1].message then
      vim.notify('flyway-lsp: ' .. result[1].message, vim.log.levels.INFO)
    end
  end, bufnr)
end

function M.attach(client, bufnr)
  local function command(name, server_command, opts)
    vim.api.nvim_buf_create_user_command(bufnr, name, function(args)
      local extra = {}
      if opts and opts.description then
        local description = args.args
        if description == '' then
          description = vim.fn.input('Description: ')
        end
        if description == '' then
          return
        end
        extra = { description }
      end
      execute(client, bufnr, server_command, extra)
    end, { nargs = (opts and opts.description) and '?' or 0 })
  end
  command('FlywayNewMigration', 'flyway-lsp.createNextMigration', { description = true })
  command('FlywayUndoMigration', 'flyway-lsp.createUndoMigration')
  command('FlywayValidate', 'flyway-lsp.validateDatabase')
  command('FlywayDryRun', 'flyway-lsp.dryRunPending')
  command('FlywayMoveChange', 'flyway-lsp.moveChangeToNewMigration')
  command('FlywayRecheck', 'flyway-lsp.recheck')
  if vim.g.flyway_lsp_keymaps ~= false then
    local map = function(lhs, cmd, desc)
      vim.api.nvim_buf_set_keymap(bufnr, 'n', lhs, '<cmd>' .. cmd .. '<CR>', { noremap = true, desc = desc })
    end
    map('<leader>fn', 'FlywayNewMigration', 'Flyway: new migration')
    map('<leader>fu', 'FlywayUndoMigration', 'Flyway: undo migration')
    map('<leader>fv', 'FlywayValidate', 'Flyway: validate against the database')
    map('<leader>fd', 'FlywayDryRun', 'Flyway: dry-run pending migrations')
  end
end

return M
