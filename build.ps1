<#
.SYNOPSIS
    Restore, build, test or publish AkkaIngestion from PowerShell (Windows PowerShell 5.1 or PowerShell 7).
.DESCRIPTION
    A thin wrapper: each task runs the same commands as README.md and ./test.sh, nothing more, so the two never drift
    (tests/AkkaIngestion.EndToEnd/Packaging checks that). Needs the .NET 10 SDK on PATH.
.PARAMETER Task
    restore, build, test (build, then every test, ending with "N passed, N failed, N skipped") or publish (the
    akka-ingest executable into artifacts/publish).
.EXAMPLE
    ./build.ps1 -Task test
#>
[CmdletBinding()]
param(
    [ValidateSet('restore', 'build', 'test', 'publish')]
    [string] $Task = 'build'
)

$ErrorActionPreference = 'Stop'
Set-Location -LiteralPath $PSScriptRoot

# Windows PowerShell does not stop on a failing native command, so each step's exit code is checked by hand.
function Stop-OnFailure([string] $Step) {
    if ($LASTEXITCODE -ne 0) {
        Write-Host "$Step failed"
        exit $LASTEXITCODE
    }
}

switch ($Task) {
    'restore' {
        dotnet restore AkkaIngestion.sln
        Stop-OnFailure 'restore'
    }
    'build' {
        dotnet build AkkaIngestion.sln -c Release -nologo -v quiet
        Stop-OnFailure 'build'
    }
    'test' {
        dotnet build AkkaIngestion.sln -c Release -nologo -v quiet
        if ($LASTEXITCODE -ne 0) {
            Write-Host 'build failed'
            Write-Host '0 passed, 1 failed'
            exit 1
        }
        $results = Join-Path ([System.IO.Path]::GetTempPath()) ('akka-ingest-test-results-' + [guid]::NewGuid().ToString('N'))
        try {
            # A hung test is reported with a dump of who waits for what, rather than eating the CI budget.
            dotnet test AkkaIngestion.sln -c Release --no-build -nologo --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" --blame-hang-timeout 5m
            $status = $LASTEXITCODE
            # The same summary line as ./test.sh, from the same .trx counters.
            $passed = 0; $failed = 0; $skipped = 0
            foreach ($trx in Get-ChildItem -LiteralPath $results -Recurse -Filter '*.trx' -ErrorAction SilentlyContinue) {
                $counters = ([xml] (Get-Content -LiteralPath $trx.FullName -Raw)).TestRun.ResultSummary.Counters
                $passed += [int] $counters.passed
                $failed += [int] $counters.failed + [int] $counters.error + [int] $counters.timeout + [int] $counters.aborted
                $skipped += [int] $counters.total - [int] $counters.executed
            }
            Write-Host "$passed passed, $failed failed, $skipped skipped"
        }
        finally {
            Remove-Item -LiteralPath $results -Recurse -Force -ErrorAction SilentlyContinue
        }
        exit $status
    }
    'publish' {
        dotnet publish src/AkkaIngestion.Cli/AkkaIngestion.Cli.csproj -c Release -o artifacts/publish
        Stop-OnFailure 'publish'
    }
}
