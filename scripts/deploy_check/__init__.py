"""The checks of scripts/check-deploy.sh, one module per deliverable."""
