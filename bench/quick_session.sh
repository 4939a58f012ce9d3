# Sourced by bench/run.sh and bench/accuracy.sh: the QUICK-size version of a
# bench session, so that both train on the same small data.
#
#   quick_session FILE > OUT    # 2,000 training images (gradlab takes the 500
#                               # validation ones out of them: it trains on
#                               # 1,500), 500 validation, 10 MC passes
# Idempotent: a session it already shrank comes out unchanged.
quick_session() {
  sed -e 's/validation=5000/validation=500 limit=2000/' -e 's/samples=100\b/samples=10/' "$1"
}
