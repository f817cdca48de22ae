# Sourced by .ci/run and ./ug: points JAVA_HOME at a JDK 25 or newer, or stops with a clear message.
ug_java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1; }
# The JDK that the java on the PATH belongs to, through its symlinks (/usr/bin/java -> /etc/alternatives/java -> ...).
ug_path_jdk() {
  local java
  java=$(command -v java 2>/dev/null) && java=$(readlink -f "$java") && dirname "$(dirname "$java")"
}
# What a candidate folder holds, for the message when none will do.
ug_jdk_said() {
  if [ ! -x "$1/bin/java" ]; then echo "has no bin/java"
  elif [ ! -x "$1/bin/javac" ]; then echo "is a runtime without bin/javac"
  else
    local v; v=$(ug_java_major "$1" || true)
    echo "holds Java ${v:-of a version it did not tell}"
  fi
}
ug_find_jdk() {
  local cand
  for cand in "${JAVA_HOME:-}" "$(ug_path_jdk || true)" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25* /usr/lib/jvm/*; do
    [ -n "$cand" ] && [ -x "$cand/bin/java" ] && [ -x "$cand/bin/javac" ] || continue
    local v; v=$(ug_java_major "$cand")
    if [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null; then echo "$cand"; return 0; fi
  done
  return 1
}
if ! ug_jdk_found=$(ug_find_jdk); then
  echo "error: UrbanGraph needs a JDK 25 or newer. None was found in \$JAVA_HOME, on the PATH or under /usr/lib/jvm:" >&2
  if [ -n "${JAVA_HOME:-}" ]; then
    echo "       \$JAVA_HOME ($JAVA_HOME) $(ug_jdk_said "$JAVA_HOME")" >&2
  else
    echo "       \$JAVA_HOME is not set" >&2
  fi
  if ug_path_java=$(command -v java 2>/dev/null); then
    ug_path_jdk_dir=$(ug_path_jdk || true)
    echo "       the JDK of the java on the PATH (${ug_path_jdk_dir:-?}, from $ug_path_java) $(ug_jdk_said "${ug_path_jdk_dir:-/nonexistent}")" >&2
  else
    echo "       there is no java on the PATH" >&2
  fi
  echo "       Install one (for example Temurin 25) and set JAVA_HOME to it." >&2
  exit 1
fi
export JAVA_HOME="$ug_jdk_found"
