// Progressive enhancement only: the page works fully without this file.
"use strict";
