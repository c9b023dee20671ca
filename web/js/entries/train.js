// train.html's bundle (web/generated/train.js): the "Learn it live" page.
import '../train/train.js';
