import { Argument, Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import type { Register } from './register.js';
import { quoteFish, quoteSh } from './token-output.js';
import { REGIONS } from './configure.js';
import { createContext } from './context.js';

export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

interface CompletionOptions {
  profiles?: boolean;
}

export const register: Register = (program, deps) => {
  program
    .command('completion')
    .description('print a shell script that completes commands, options and profile names')
    .addArgument(new Argument('[shell]', 'the shell to complete in').choices(COMPLETION_SHELLS))
    // What the scripts call to list profiles: read at completion time, so new profiles show up at once.
    .addOption(new Option('--profiles', 'print the profile names in config.ini, one a line').hideHelp())
    .addHelpText(
      'after',
      [
        '',
        'Try it in this shell:',
        '  source <(ocs-auth completion bash)        # zsh: source <(ocs-auth completion zsh), after compinit',
        '  ocs-auth completion fish | source',
        'Keep it:',
        '  ocs-auth completion bash > ~/.local/share/bash-completion/completions/ocs-auth   # read by the bash-completion package',
        '  ocs-auth completion zsh > "${fpath[1]}/_ocs_auth"',
        '  ocs-auth completion fish > ~/.config/fish/completions/ocs-auth.fish',
        '',
        'Exit status: 0 when the script is printed; 2 for a missing or unknown shell.',
      ].join('\n'),
    )
    .action(async (shell: CompletionShell | undefined, options: CompletionOptions, self: Command) => {
      const context = createContext(deps, self.optsWithGlobals());
      if (options.profiles) {
        // A broken config.ini must not spill errors into someone's prompt: no names, then.
        const config = await context.loadConfig().catch(() => ({}));
        deps.io.stdout.write(Object.keys(config).map((name) => `${name}\n`).join(''));
        return;
      }
      if (!shell) throw new UsageError('name the shell: ocs-auth completion bash|zsh|fish');
      deps.io.stdout.write(completionScript(shell, completionSpec(program)));
    });
};

/** What an option's value completes to. */
export type ValueKind = { kind: 'text' } | { kind: 'profile' } | { kind: 'file' } | { kind: 'words'; words: readonly string[] };

export interface OptionSpec {
  /** e.g. ['-p', '--profile'] */
  flags: string[];
  description: string;
  /** Undefined for a flag that takes no value. */
  value: ValueKind | undefined;
  /** Flags that cannot stand beside this one (its own spellings not included). */
  excludes: string[];
}

export interface CommandSpec {
  name: string;
  description: string;
  options: OptionSpec[];
  /** What the words after the options complete to: exec takes a whole command line. */
  operands: ValueKind | 'commands' | 'command-line' | undefined;
}

export interface CompletionSpec {
  /** Accepted anywhere before exec's "--". */
  globals: OptionSpec[];
  commands: CommandSpec[];
}

/** Read off the commander program, so that the scripts always match --help. */
export function completionSpec(program: Command): CompletionSpec {
  const commands = program.commands.map((command): CommandSpec => {
    const argument = command.registeredArguments[0];
    return {
      name: command.name(),
      description: command.description(),
      options: optionSpecs(command),
      operands:
        command.name() === 'exec'
          ? 'command-line'
          : argument?.argChoices
            ? { kind: 'words', words: argument.argChoices }
            : argument
              ? { kind: 'text' }
              : undefined,
    };
  });
  // Commander's implicit `help [command]` is not in program.commands.
  commands.push({ name: 'help', description: 'show help for a command', options: [], operands: 'commands' });
  const help: OptionSpec = { flags: ['-h', '--help'], description: 'show help', value: undefined, excludes: [] };
  return { globals: [...optionSpecs(program), help], commands };
}

function optionSpecs(command: Command): OptionSpec[] {
  const visible = command.options.filter((option) => !option.hidden);
  const flagsOf = (option: Option) => [option.short, option.long].filter((flag): flag is string => flag !== undefined);
  return visible.map((option) => {
    // Commander keeps conflicts as attribute names, and does not declare the field.
    const conflicts = (option as Option & { conflictsWith?: string[] }).conflictsWith ?? [];
    return {
      flags: flagsOf(option),
      description: option.description,
      value: option.required || option.optional ? valueKind(option) : undefined,
      excludes: visible.filter((other) => conflicts.includes(other.attributeName())).flatMap(flagsOf),
    };
  });
}

// What `api -X` is given in practice; any other method is still accepted.
const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

function valueKind(option: Option): ValueKind {
  if (option.argChoices) return { kind: 'words', words: option.argChoices };
  switch (option.attributeName()) {
    case 'profile':
      return { kind: 'profile' };
    case 'resource':
      return { kind: 'words', words: REGIONS.map((region) => region.value).filter(Boolean) };
    case 'from':
    case 'input':
      return { kind: 'file' };
    case 'method':
      return { kind: 'words', words: HTTP_METHODS };
    default:
      return { kind: 'text' };
  }
}

export function completionScript(shell: CompletionShell, spec: CompletionSpec): string {
  switch (shell) {
    case 'bash':
      return bashScript(spec);
    case 'zsh':
      return zshScript(spec);
    case 'fish':
      return fishScript(spec);
  }
}

const PROFILES_COMMAND = 'ocs-auth completion --profiles 2>/dev/null';

/** Every flag that takes a value, once, with what it completes to; a flag must mean the same in every command. */
function valueFlags(spec: CompletionSpec): Map<string, ValueKind> {
  const kinds = new Map<string, ValueKind>();
  for (const option of [...spec.globals, ...spec.commands.flatMap((command) => command.options)]) {
    if (!option.value) continue;
    for (const flag of option.flags) {
      const known = kinds.get(flag);
      if (known && JSON.stringify(known) !== JSON.stringify(option.value)) throw new Error(`${flag} completes differently in two commands`);
      kinds.set(flag, option.value);
    }
  }
  return kinds;
}

function words(list: readonly string[]): string {
  return quoteSh(list.join(' '));
}

function bashScript(spec: CompletionSpec): string {
  const globals = spec.globals.flatMap((option) => option.flags);
  const commandNames = spec.commands.map((command) => command.name);
  const valueCases = [...groupBy(valueFlags(spec))].map(([kind, flags]) => {
    const pattern = flags.join('|');
    switch (kind.kind) {
      case 'profile':
        return `    ${pattern}) _ocs_auth_profiles "$(${PROFILES_COMMAND})" "$cur"; return 0 ;;`;
      case 'file':
        return `    ${pattern}) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;`;
      case 'words':
        return `    ${pattern}) _ocs_auth_reply ${words(kind.words)} "$cur"; return 0 ;;`;
      case 'text':
        return `    ${pattern}) return 0 ;;`;
    }
  });
  const commandCases = spec.commands.map((command) => {
    const options = command.options.flatMap((option) => option.flags);
    if (command.operands === 'command-line') options.push('--');
    const operands =
      command.operands === 'commands' ? commandNames : typeof command.operands === 'object' && command.operands.kind === 'words' ? command.operands.words : [];
    return `    ${command.name}) options=${words(options)} operands=${words(operands)} ;;`;
  });
  return `# bash completion for ocs-auth: commands, options and profile names.
# Try it:   source <(ocs-auth completion bash)
# Keep it:  ocs-auth completion bash > ~/.local/share/bash-completion/completions/ocs-auth

# COMPREPLY: the words of $1 that start with $2.
_ocs_auth_reply() {
  COMPREPLY=($(compgen -W "$1" -- "$2"))
  # bash splits words at ':' (a URL's): the reply replaces only what follows the last one.
  if [[ $2 == *:* && $COMP_WORDBREAKS == *:* ]]; then
    local typed=\${2%"\${2##*:}"}
    COMPREPLY=("\${COMPREPLY[@]#"$typed"}")
  fi
}

# COMPREPLY: the lines of $1 (profile names) that start with $2, each a quoted word. Not
# compgen -W, which expands its words: a name such as $(cmd) would run on Tab.
_ocs_auth_profiles() {
  COMPREPLY=()
  local name
  while IFS= read -r name; do
    [[ -n $name && $name == "$2"* ]] && COMPREPLY+=("$(printf '%q' "$name")")
  done <<<"$1"
}

_ocs_auth() {
  local at=$COMP_CWORD cur=\${COMP_WORDS[COMP_CWORD]}
  # Glue back a word bash split at ':', and take --option=value apart.
  while ((at > 1)) && [[ \${COMP_WORDS[at - 1]} == : || \${COMP_WORDS[at]} == : ]]; do
    ((at--))
    cur=\${COMP_WORDS[at]}$cur
  done
  local prev=\${COMP_WORDS[at - 1]}
  if [[ $cur == = ]]; then
    cur=
  elif [[ $prev == = ]]; then
    prev=\${COMP_WORDS[at - 2]}
  fi

  # The command is the first word that is not an option: ocs-auth's own options take no value.
  local command= i
  for ((i = 1; i < at; i++)); do
    case \${COMP_WORDS[i]} in
      -*) ;;
      *) command=\${COMP_WORDS[i]}; break ;;
    esac
  done

  # exec: after --, complete the command it runs.
  if [[ $command == exec ]]; then
    local j
    for ((j = i + 1; j < at; j++)); do
      [[ \${COMP_WORDS[j]} == -- ]] || continue
      if declare -F _command_offset >/dev/null; then
        _command_offset $((j + 1))
      elif ((at == j + 1)); then
        COMPREPLY=($(compgen -c -- "$cur"))
      else
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "$cur"))
      fi
      return 0
    done
  fi

  case $prev in
${valueCases.join('\n')}
  esac

  local globals=${words(globals)}
  if [[ -z $command ]]; then
    if [[ $cur == -* ]]; then _ocs_auth_reply "$globals" "$cur"; else _ocs_auth_reply ${words(commandNames)} "$cur"; fi
    return 0
  fi
  local options= operands=
  case $command in
${commandCases.join('\n')}
  esac
  if [[ $cur == -* ]]; then
    _ocs_auth_reply "$options $globals" "$cur"
  else
    _ocs_auth_reply "$operands" "$cur"
  fi
  return 0
}

complete -F _ocs_auth ocs-auth
`;
}

function groupBy(kinds: Map<string, ValueKind>): Map<ValueKind, string[]> {
  const groups = new Map<string, { kind: ValueKind; flags: string[] }>();
  for (const [flag, kind] of kinds) {
    const key = JSON.stringify(kind);
    const group = groups.get(key) ?? { kind, flags: [] };
    group.flags.push(flag);
    groups.set(key, group);
  }
  return new Map([...groups.values()].map(({ kind, flags }) => [kind, flags]));
}

/** Inside an _arguments spec, these characters end a part unless backslash-escaped. */
function zshEscape(text: string): string {
  return text.replace(/[\\[\]:]/g, '\\$&');
}

function zshAction(kind: ValueKind): string {
  switch (kind.kind) {
    case 'profile':
      return '_ocs_auth_profiles';
    case 'file':
      return '_files';
    case 'words':
      return `(${kind.words.map(zshEscape).join(' ')})`;
    case 'text':
      return ' ';
  }
}

function zshOptionSpecs(option: OptionSpec): string[] {
  const exclusion = `(${[...option.flags, ...option.excludes].join(' ')})`;
  const description = `[${zshEscape(option.description)}]`;
  return option.flags.map((flag) => {
    // --flag= takes its value as the next word or after "="; -f+ as the next word or glued on.
    const takesValue = option.value === undefined ? '' : flag.startsWith('--') ? '=' : '+';
    const value = option.value === undefined ? '' : `:${zshEscape(option.flags.at(-1)!.replace(/^-+/, ''))}:${zshAction(option.value)}`;
    return quoteSh(`${exclusion}${flag}${takesValue}${description}${value}`);
  });
}

function zshScript(spec: CompletionSpec): string {
  const indent = (lines: string[], depth: number) => lines.map((line) => `${' '.repeat(depth)}${line}`).join('\n');
  const globals = spec.globals.flatMap(zshOptionSpecs);
  const commandCases = spec.commands.map((command) => {
    const operands =
      command.operands === 'command-line'
        ? [quoteSh('*:: :_ocs_auth_command_line')]
        : command.operands === 'commands'
          ? [quoteSh('1: :_ocs_auth_commands')]
          : command.operands === undefined
            ? []
            : [quoteSh(`1:${command.name === 'completion' ? 'shell' : 'value'}:${zshAction(command.operands)}`)];
    const specs = ['$globals', ...command.options.flatMap(zshOptionSpecs), ...operands];
    return `        (${command.name})\n          _arguments -s -S \\\n${indent(specs, 12).replace(/\n/g, ' \\\n')} && ret=0\n          ;;`;
  });
  const commands = spec.commands.map((command) => quoteSh(`${zshEscape(command.name)}:${command.description}`));
  return `#compdef ocs-auth
# zsh completion for ocs-auth: commands, options and profile names.
# Try it:   source <(ocs-auth completion zsh)      (after compinit)
# Keep it:  ocs-auth completion zsh > "\${fpath[1]}/_ocs_auth"

_ocs_auth_profiles() {
  local -a profiles
  profiles=(\${(f)"$(_call_program profiles ${PROFILES_COMMAND})"})
  _wanted profiles expl profile compadd -a profiles
}

# exec: what follows is a command line of its own ("--" included in the words when typed).
_ocs_auth_command_line() {
  if [[ $words[1] == -- ]]; then
    shift words
    (( CURRENT-- ))
  fi
  _normal
}

_ocs_auth_commands() {
  local -a commands
  commands=(
${indent(commands, 4)}
  )
  _describe -t commands 'ocs-auth command' commands
}

_ocs_auth() {
  local curcontext=$curcontext state line ret=1
  typeset -A opt_args
  local -a globals
  globals=(
${indent(globals, 4)}
  )
  _arguments -C $globals ': :_ocs_auth_commands' '*:: :->args' && ret=0
  if [[ $state == args ]]; then
    curcontext=\${curcontext%:*:*}:ocs-auth-$words[1]:
    case $words[1] in
${commandCases.join('\n')}
    esac
  fi
  return ret
}

if [[ $funcstack[1] == _ocs_auth ]]; then
  _ocs_auth "$@"
else
  compdef _ocs_auth ocs-auth
fi
`;
}

function fishOption(option: OptionSpec, condition: string): string {
  const parts = ['complete -c ocs-auth', `-n ${quoteFish(condition)}`];
  for (const flag of option.flags) parts.push(flag.startsWith('--') ? `-l ${flag.slice(2)}` : `-s ${flag.slice(1)}`);
  parts.push(`-d ${quoteFish(option.description)}`);
  const value = option.value;
  if (value?.kind === 'profile') parts.push('-x', `-a ${quoteFish(`(${PROFILES_COMMAND})`)}`);
  else if (value?.kind === 'words') parts.push('-x', `-a ${quoteFish(value.words.join(' '))}`);
  else if (value?.kind === 'file') parts.push('-r', '-F');
  else if (value?.kind === 'text') parts.push('-x');
  return parts.join(' ');
}

function fishScript(spec: CompletionSpec): string {
  const lines: string[] = [];
  for (const command of spec.commands) {
    lines.push(`complete -c ocs-auth -n '__ocs_auth_needs_command' -a ${command.name} -d ${quoteFish(command.description)}`);
  }
  for (const option of spec.globals) lines.push(fishOption(option, 'not __ocs_auth_after_separator'));
  for (const command of spec.commands) {
    const condition = `__ocs_auth_using ${command.name}`;
    for (const option of command.options) lines.push(fishOption(option, condition));
    const operands = command.operands;
    if (operands === 'commands') {
      lines.push(`complete -c ocs-auth -n ${quoteFish(condition)} -a ${quoteFish(spec.commands.map((each) => each.name).join(' '))}`);
    } else if (operands === 'command-line') {
      lines.push(`complete -c ocs-auth -n '__ocs_auth_after_separator' -a '(__ocs_auth_exec_command)'`);
    } else if (operands?.kind === 'words') {
      lines.push(`complete -c ocs-auth -n ${quoteFish(condition)} -a ${quoteFish(operands.words.join(' '))}`);
    }
  }
  return `# fish completion for ocs-auth: commands, options and profile names.
# Try it:   ocs-auth completion fish | source
# Keep it:  ocs-auth completion fish > ~/.config/fish/completions/ocs-auth.fish

# The command is the first word that is not an option: ocs-auth's own options take no value.
function __ocs_auth_command
    for word in (commandline -opc)[2..-1]
        if not string match -q -- '-*' $word
            echo $word
            return 0
        end
    end
    return 1
end

function __ocs_auth_needs_command
    not __ocs_auth_command >/dev/null
end

# After exec's "--" the words belong to the command it runs.
function __ocs_auth_after_separator
    set -l command (__ocs_auth_command)
    test "$command" = exec; and contains -- -- (commandline -opc)
end

function __ocs_auth_using --argument-names name
    set -l command (__ocs_auth_command)
    test "$command" = "$name"; and not __ocs_auth_after_separator
end

function __ocs_auth_exec_command
    set -l words (commandline -opc)
    set -e words[1..(contains -i -- -- $words)]
    complete -C (string join ' ' -- (string escape -- $words) (commandline -ct))
end

complete -c ocs-auth -f
${lines.join('\n')}
`;
}
