#!/usr/bin/env bash
# Packs the library (Nabla) and the command-line tool (Nabla.Cli), installs the tool from the local
# packages into an empty folder, and runs it there: what `dotnet tool install` gives a user.
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/packages
rm -rf "$out"
dotnet pack src/Nabla -c Release -o "$out" -v q -nologo
dotnet pack src/Nabla.Cli -c Release -o "$out" -v q -nologo
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props)
lib="$out/Nabla.$version.nupkg"
listing=$(unzip -l "$lib")   # listed once: `unzip | grep -q` can die of SIGPIPE under pipefail
for f in lib/net10.0/Nabla.dll lib/net10.0/Nabla.xml README.md LICENSE; do
  grep -q " $f\$" <<<"$listing" || { echo "pack-check: $lib lacks $f" >&2; exit 1; }
done
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
dotnet tool install Nabla.Cli --version "$version" --add-source "$out" --tool-path "$tools" >/dev/null
cd "$tools"   # a clean folder, far from the sources
printed=$(./nabla --version)
help=$(./nabla --help)
json=$(./nabla gradcheck --net 4,3,tanh,2,softmax --loss cross-entropy --json)
./nabla plot activations --out pictures >/dev/null   # the native graphics libraries came along
[ -s pictures/activations.png ] || { echo "pack-check: the installed tool drew no picture" >&2; exit 1; }
[ "$printed" = "$version" ] || { echo "pack-check: nabla --version printed '$printed', expected $version" >&2; exit 1; }
grep -q "gradcheck" <<<"$help" || { echo "pack-check: nabla --help lists no commands" >&2; exit 1; }
grep -q '"passed":true' <<<"$json" || { echo "pack-check: gradcheck failed" >&2; exit 1; }
echo "pack-check: $lib and Nabla.Cli.$version.nupkg built; the installed tool runs (nabla $printed)"
