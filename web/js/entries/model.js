// model.html's bundle (web/generated/model.js): the "Your model" page.
import '../model/model.js';
