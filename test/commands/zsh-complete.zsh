# zsh -f zsh-complete.zsh SCRIPT OUT LINE
# Types LINE and a Tab into a real interactive zsh (on a zpty pseudo-terminal) with SCRIPT
# loaded, and writes every candidate the completion functions offer to OUT, one a line.
zmodload zsh/zpty || exit 3
zpty z zsh -f -i
zpty -w z "PS1='' RPS1=''; autoload -Uz compinit; compinit -u -D; source ${(q)1}"
# compadd records what it is given, then adds it as usual (calls that only compute, with
# -O, -A or -D, pass straight through).
zpty -w z "compadd() { if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then builtin compadd \"\$@\"; return; fi; local -a __hits; builtin compadd -A __hits \"\$@\"; (( \$#__hits )) && print -rl -- \$__hits >> ${(q)2}; builtin compadd \"\$@\"; }"
zpty -w z "print -r -- ready > ${(q)2}.ready"
for i in {1..200}; do [[ -e $2.ready ]] && break; sleep 0.05; done
zpty -n -w z "$3"$'\t'
for i in {1..200}; do [[ -s $2 ]] && break; sleep 0.05; done
# Later functions may add more after the first: give them a moment.
sleep 0.3
zpty -d z
