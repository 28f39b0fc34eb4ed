# Sourced by the harness scripts: the one cache of what is slow to make (Python virtualenvs, images),
# kept across runs, each entry keyed by its inputs. BOSH_IRONIC_CPI_CACHE moves it.
BOSH_IRONIC_CPI_CACHE="${BOSH_IRONIC_CPI_CACHE:-${XDG_CACHE_HOME:-${HOME}/.cache}/bosh-ironic-cpi}"
export BOSH_IRONIC_CPI_CACHE
