/** UGData: city spatial graphs from OpenStreetMap, anchored street views, and the UGE training and benchmark files. */
package org.urbangraph.ugdata;
