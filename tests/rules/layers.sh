#!/usr/bin/env bash
# layers.sh DEXTWATCH SOURCE_DIR - rule layers (issue 15): the shipped packs,
# then the user's directory ($XDG_CONFIG_HOME/dextwatch/rules, else
# ~/.config/dextwatch/rules), then each --rules DIR; a later rule with the
# same id overrides, `rules list --origin` says so, later layers are tried
# first, errors name file:line and the rule, --no-default-rules.
set -u
DW=$1
SRC=$2
. "$SRC/tests/check_lib.sh"
LOG=$SRC/tests/logs/seed.default.log
count_rules() { "$DW" rules list "$@" 2>/dev/null | wc -l; }
shipped=$(count_rules)
check "shipped rules listed" test "$shipped" -gt 100

# a pack overriding dk.provider-entitlements, with its own summary; $1 the
# directory, $2 the word that marks it
override_pack() {
    mkdir -p "$1"
    cat >"$1/local.yaml" <<YAML
rules:
  - id: dk.provider-entitlements
    class: entitlement.provider-check
    severity: error
    priority: 100
    process: kernel
    match: '^\s*DK: (?<class>[^\s:]+?)-0x(?<tag>[0-9a-fA-F]+): provider entitlements check failed\s*$'
    summary: '$2 override for {class}'
    remediation: 'see the local notes'
    references: [local]
    examples:
      - line: 'kernel: DK: MyDriver-0x100000f45: provider entitlements check failed'
YAML
}

# 1. the user's directory under XDG_CONFIG_HOME overrides by id
USER_DIR=$XDG_CONFIG_HOME/dextwatch/rules
override_pack "$USER_DIR" XDG
"$DW" scan --no-store "$LOG" >"$T/out" 2>"$T/err"
check "XDG user rule used by scan" contains "$T/out" "XDG override for MyDriver"
check "override keeps the count" test "$(count_rules)" -eq "$shipped"
"$DW" rules list --origin >"$T/list" 2>&1
check "list --origin: the user's file" grep -qE "^dk.provider-entitlements .*local  $USER_DIR/local.yaml:2  overrides .*/rules/driverkit.yaml:[0-9]+$" "$T/list"
check "list --origin: a shipped rule's file" grep -qE "^dk.exit .* .*/rules/driverkit.yaml:[0-9]+$" "$T/list"
"$DW" rules list --format json >"$T/json"
check "list json overrides" contains "$T/json" "\"overrides\": \"$SRC/rules/driverkit.yaml:"
"$DW" rules test >"$T/test" 2>&1; st=$?
check "rules test with the user layer passes ($(tail -1 "$T/test"))" status_is $st 0
"$DW" explain dk.provider-entitlements >"$T/explain" 2>&1
check "explain shows the overriding rule" contains "$T/explain" "override for {class}"

# 2. without XDG_CONFIG_HOME: ~/.config/dextwatch/rules
override_pack "$HOME/.config/dextwatch/rules" HOME
env -u XDG_CONFIG_HOME "$DW" scan --no-store "$LOG" >"$T/out" 2>&1
check "HOME user rule used" contains "$T/out" "HOME override for MyDriver"
XDG_CONFIG_HOME=relative "$DW" scan --no-store "$LOG" >"$T/out" 2>&1
check "a relative XDG_CONFIG_HOME is ignored" contains "$T/out" "HOME override for MyDriver"

# 3. --rules is repeatable; the last one wins over the user's and the earlier ones
override_pack "$T/a" FIRST
override_pack "$T/b" SECOND
"$DW" scan --no-store --rules "$T/a" --rules "$T/b" "$LOG" >"$T/out" 2>&1
check "last --rules wins" contains "$T/out" "SECOND override for MyDriver"
"$DW" rules list --origin --rules "$T/a" --rules "$T/b" >"$T/list" 2>&1
check "origin names the overridden --rules file" grep -qE "^dk.provider-entitlements .* local  $T/b/local.yaml:2  overrides $T/a/local.yaml:2$" "$T/list"
# the shipped directory given again is not a layer of its own
XDG_CONFIG_HOME=$T/none "$DW" rules list --origin --rules "$SRC/rules" >"$T/list" 2>&1
check "--rules of the shipped dir overrides nothing shipped" lacks "$T/list" "overrides $SRC/rules/"

# 4. a new rule for a line the catch-all takes: later layers are tried first
mkdir -p "$T/new"
cat >"$T/new/frob.yaml" <<'YAML'
rules:
  - id: local.frobnicator
    class: dext.start-failed
    severity: error
    priority: 50
    process: kernel
    match: 'DK: (?<class>[^\s:]+?)-0x(?<tag>[0-9a-fA-F]+): frobnicator handshake failed'
    summary: 'the frobnicator of {class} did not answer'
    remediation: 'reseat the frobnicator'
    references: [local]
    examples:
      - line: 'kernel: DK: MyDriver-0x100000f45: frobnicator handshake failed'
YAML
printf '2026-11-20 10:14:03.201377-0800  localhost kernel[0]: (DriverKit) DK: MyDriver-0x100000f45: frobnicator handshake failed\n' >"$T/frob.log"
"$DW" scan --no-store --format json "$T/frob.log" >"$T/out" 2>&1
check "without the layer: the catch-all" contains "$T/out" '"rule":"other.unrecognised-kernel"'
"$DW" scan --no-store --format json --rules "$T/new" "$T/frob.log" >"$T/out" 2>&1
check "with the layer: the new rule, before the catch-all" contains "$T/out" '"rule":"local.frobnicator"'
cat >"$T/new/frobd.yaml" <<'YAML'
rules:
  - id: local.frobd
    class: dext.start-failed
    severity: warning
    priority: 10
    process: frobd
    match: 'gave up on (?<bundle>\S+)'
    summary: 'frobd gave up on {bundle}'
    references: [local]
    examples:
      - line: 'frobd: gave up on com.example.driver'
YAML
"$DW" predicate --rules "$T/new" >"$T/pred" 2>&1
check "predicate includes the new rule's process" contains "$T/pred" 'process == "frobd"'
"$DW" predicate >"$T/pred" 2>&1
check "predicate without it does not" lacks "$T/pred" 'process == "frobd"'

# 5. an error in a user pack: file:line:col and the rule id; nothing loads
mkdir -p "$T/bad"
cat >"$T/bad/broken.yaml" <<'YAML'
rules:
  - id: local.broken
    class: dext.start-failed
    severity: error
    priority: 1
    match: '(unclosed'
    summary: 'x'
    examples: ['kernel: x']
YAML
"$DW" scan --no-store --rules "$T/bad" "$LOG" >"$T/out" 2>"$T/err"; st=$?
check "bad user pack: exit 2" status_is $st 2
check "bad user pack: file:line:col and rule" grep -qE "$T/bad/broken.yaml:[0-9]+:[0-9]+: rule 'local.broken'" "$T/err"
"$DW" rules check --rules "$T/bad" >/dev/null 2>"$T/err"; st=$?
check "rules check on a bad user pack: exit 2" status_is $st 2
cp "$T/bad/broken.yaml" "$USER_DIR/broken.yaml"
"$DW" rules list >/dev/null 2>"$T/err"; st=$?
check "bad pack in the user dir: exit 2 with its place" grep -qE "$USER_DIR/broken.yaml:[0-9]+:[0-9]+: rule 'local.broken'" "$T/err"
rm "$USER_DIR/broken.yaml"
# a duplicate id inside one layer stays an error
cp "$T/a/local.yaml" "$T/a/again.yaml"
"$DW" rules list --rules "$T/a" >/dev/null 2>"$T/err"; st=$?
check "duplicate id within a layer: exit 2" status_is $st 2
check "duplicate id within a layer: named" contains "$T/err" "duplicate rule id"
rm "$T/a/again.yaml"

# 6. --no-default-rules: only the --rules directories
n=$(count_rules --no-default-rules --rules "$SRC/tests/golden/rules")
check "--no-default-rules: only the given packs" test "$n" -eq "$(grep -c '^  - id:' "$SRC/tests/golden/rules/golden.yaml")"
"$DW" rules list --no-default-rules >/dev/null 2>"$T/err"; st=$?
check "--no-default-rules alone: exit 2" status_is $st 2
check "--no-default-rules alone: says why" contains "$T/err" "needs at least one --rules"
"$DW" explain --no-default-rules --rules "$SRC/tests/golden/rules" dk.exit >/dev/null 2>&1; st=$?
check "explain --no-default-rules: shipped ids gone" status_is $st 2

finish
