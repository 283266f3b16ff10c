document.title = "plot";
