"""The script Streamlit runs: `pkplanner app` starts `python -m streamlit run` on this file
(inside the installed package, pkplanner/app/streamlit_app.py). The page lives in
pkapp_main.py, imported as part of the package, so mypy and the import contracts see it."""

from pkplanner.app.pkapp_main import main

main()
