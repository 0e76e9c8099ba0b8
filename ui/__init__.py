"""The browser chat (Gradio): `ui.server.launch` serves `ui.app.build_app` over the rag/ Assistant."""
