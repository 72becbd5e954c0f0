#include "gui/SetupView.h"

#include "gui/Resources.h"

#include "config/Experiment.h"
#include "cost/Mapping.h"
#include "plugin/PluginHost.h"

#include <hpt/Error.h>

#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollArea>
#include <QSettings>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace hpt::gui {

namespace {

// The device roles come from the mapping (one list); a role's box title is only the GUI's.
QString roleTitle(const QString& role) {
    if (role == "gpu") return "GPU";
    if (role == "systolic") return "Systolic array";
    if (role == "reram") return "ReRAM crossbars";
    return role;
}

// Where the schema's form groups sit: three columns. A group the schema names
// and this list does not gets its own box in the last column.
const std::pair<const char*, int> kGroupColumns[] = {
    {"Training", 0}, {"Switching (FULL → DUAL → LORA)", 1}, {"Divergence", 1}, {"Checkpoints", 1},
    {"LoRA (Θ′)", 2}, {"Auto rank", 2}, {"Intrinsic dimension", 2}};

void removeAt(QJsonObject& o, const QStringList& path) {
    if (path.size() == 1) {
        o.remove(path[0]);
        return;
    }
    if (!o.value(path[0]).isObject()) return;
    QJsonObject child = o.value(path[0]).toObject();
    removeAt(child, path.mid(1));
    if (child.isEmpty()) o.remove(path[0]);
    else o.insert(path[0], child);
}

}  // namespace

SetupView::SetupView(const PluginHost& host, QWidget* parent) : QWidget(parent), host_(host) {
    loading_ = true;  // combos fire while they are filled; nothing reacts until the form is complete
    model_.prefix = "model";
    model_.kind = int(PluginKind::Model);
    dataset_.prefix = "dataset";
    dataset_.kind = int(PluginKind::Dataset);
    for (const QString& r : Mapping::roles()) {
        PluginSection s;
        s.prefix = "devices." + r;
        s.kind = int(PluginKind::Device);
        devices_.push_back(s);
    }

    dataCheck_ = new DataCheck(host_, this);
    connect(dataCheck_, &DataCheck::checked, this, &SetupView::validateNow);
    debounce_ = new QTimer(this);
    debounce_->setSingleShot(true);
    debounce_->setInterval(150);
    connect(debounce_, &QTimer::timeout, this, &SetupView::validateNow);

    auto* content = new QWidget;
    auto* grid = new QGridLayout(content);
    QVBoxLayout* columns[3];
    for (int i = 0; i < 3; ++i) {
        columns[i] = new QVBoxLayout;
        grid->addLayout(columns[i], 0, i);
    }
    // The general box and the plugin sections first, then one box per schema group, then one row
    // per schema key (like the plugin parameter forms).
    std::map<QString, QFormLayout*> forms;
    auto* general = new QGroupBox("Experiment");
    forms["Experiment"] = new QFormLayout(general);
    columns[0]->addWidget(general);
    columns[0]->addWidget(buildModelAndData());
    for (const auto& [group, col] : kGroupColumns) {
        auto* box = new QGroupBox(group);
        forms[group] = new QFormLayout(box);
        columns[col]->addWidget(box);
    }
    auto* devices = buildDevices();
    forms["Mapping"] = mappingForm_;
    for (const ExperimentKey& k : experimentSchema()) {
        if (k.form.isEmpty()) continue;
        if (!forms.count(k.form)) {
            auto* box = new QGroupBox(k.form);
            forms[k.form] = new QFormLayout(box);
            columns[2]->addWidget(box);
        }
        addField(forms.at(k.form), k);
    }
    for (auto* c : columns) c->addStretch();
    grid->addWidget(devices, 1, 0, 1, 3);
    grid->setRowStretch(2, 1);
    auto* scroll = new QScrollArea;
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);

    message_ = new QLabel;
    message_->setWordWrap(true);
    message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    start_ = new QPushButton("Start run");
    start_->setToolTip("Train with this configuration (Ctrl+R)");
    start_->setDefault(true);
    connect(start_, &QPushButton::clicked, this, [this] {
        validateNow();
        if (isValid() && !running_) emit startRequested(experiment());
    });
    auto* load = new QPushButton("Load…");
    load->setToolTip("Load an experiment JSON file");
    connect(load, &QPushButton::clicked, this, &SetupView::openDialog);
    auto* save = new QPushButton("Save…");
    save->setToolTip("Save this configuration as an experiment JSON file");
    connect(save, &QPushButton::clicked, this, &SetupView::saveDialog);
    auto* bottom = new QHBoxLayout;
    bottom->addWidget(message_, 1);
    bottom->addWidget(load);
    bottom->addWidget(save);
    bottom->addWidget(start_);

    auto* lay = new QVBoxLayout(this);
    lay->addWidget(scroll, 1);
    lay->addLayout(bottom);

    loading_ = true;
    // The fields hold the schema's defaults; the model's own blocks go over them.
    const QJsonObject builtin = builtinExperimentDefaults();
    for (size_t i = 0; i < devices_.size(); ++i)
        devices_[i].preset->addItem(valueAt(builtin, devices_[i].prefix + ".preset").toString());
    rebuildParams(model_);
    applyModelDefaults();
    rebuildParams(dataset_);
    for (auto& d : devices_) rebuildParams(d);
    updateBadge();
    loading_ = false;
    validateNow();
}

void SetupView::addField(QFormLayout* form, const ExperimentKey& key) {
    FormField f = makeSchemaField(key);
    if (auto* e = qobject_cast<QLineEdit*>(f.widget)) connect(e, &QLineEdit::textChanged, this, &SetupView::scheduleValidate);
    if (auto* c = qobject_cast<QCheckBox*>(f.widget)) connect(c, &QCheckBox::toggled, this, &SetupView::scheduleValidate);
    if (auto* c = qobject_cast<QComboBox*>(f.widget)) connect(c, &QComboBox::currentTextChanged, this, &SetupView::scheduleValidate);
    auto* label = new QLabel(key.unit.isEmpty() ? key.label : QString("%1 [%2]").arg(key.label, key.unit));
    label->setToolTip(f.widget->toolTip());
    form->addRow(label, f.widget);
    fields_.push_back(f);
}

QGroupBox* SetupView::buildPluginSection(PluginSection& s, const QString& title, QWidget* extra) {
    auto* box = new QGroupBox(title);
    auto* form = new QFormLayout(box);
    s.plugin = new QComboBox;
    s.plugin->setObjectName(s.prefix + (s.kind == int(PluginKind::Device) ? ".plugin" : ".name"));
    s.plugin->addItems(host_.names(PluginKind(s.kind)));
    s.preset = new QComboBox;
    s.preset->setObjectName(s.prefix + ".preset");
    form->addRow("Plugin", s.plugin);
    form->addRow("Preset", s.preset);
    if (&s == &dataset_) form->setRowVisible(s.preset, false);  // dataset params have no presets
    if (extra) form->addRow(extra);
    s.params = new QFormLayout;
    form->addRow(s.params);
    PluginSection* sp = &s;
    connect(s.plugin, &QComboBox::currentTextChanged, this, [this, sp] {
        if (loading_) return;
        sp->pendingOverrides = {};
        rebuildParams(*sp);
        if (sp == &model_) applyModelDefaults();
        if (sp == &dataset_) updateBadge();
        scheduleValidate();
    });
    connect(s.preset, &QComboBox::currentTextChanged, this, [this, sp] {
        if (loading_) return;
        sp->pendingOverrides = {};  // a new preset shows its own values
        rebuildParams(*sp);
        if (sp == &model_) applyModelDefaults();
        scheduleValidate();
    });
    return box;
}

QWidget* SetupView::buildModelAndData() {
    auto* box = new QWidget;
    auto* v = new QVBoxLayout(box);
    v->setContentsMargins(0, 0, 0, 0);
    v->addWidget(buildPluginSection(model_, "Model"));

    auto* extra = new QWidget;
    auto* ex = new QFormLayout(extra);
    ex->setContentsMargins(0, 0, 0, 0);
    dataDir_ = new QLineEdit;
    dataDir_->setObjectName("dataset.data_dir");
    dataDir_->setPlaceholderText("default places, else synthetic twin");
    dataDir_->setToolTip("<b>dataset.data_dir</b> — folder with the dataset files; empty = the plugin's default places");
    connect(dataDir_, &QLineEdit::textChanged, this, [this] { updateBadge(); scheduleValidate(); });
    auto* pick = new QToolButton;
    pick->setText("…");
    pick->setToolTip("Choose the data folder");
    connect(pick, &QToolButton::clicked, this, [this] {
        const QString d = QFileDialog::getExistingDirectory(this, "Data folder", dataDir_->text());
        if (!d.isEmpty()) dataDir_->setText(d);
    });
    auto* row = new QHBoxLayout;
    row->addWidget(dataDir_, 1);
    row->addWidget(pick);
    ex->addRow("Data folder", row);
    badge_ = new QLabel;
    badge_->setObjectName("datasetBadge");
    badge_->setWordWrap(true);
    ex->addRow("Data", badge_);
    // When the data cannot be read: what is missing, where it was looked for, and three ways on.
    dataPanel_ = new QWidget;
    dataPanel_->setObjectName("dataPanel");
    auto* dp = new QVBoxLayout(dataPanel_);
    dp->setContentsMargins(0, 0, 0, 0);
    dataMessage_ = new QLabel;
    dataMessage_->setObjectName("dataMessage");
    dataMessage_->setWordWrap(true);
    dataMessage_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    dp->addWidget(dataMessage_);
    auto* buttons = new QHBoxLayout;
    auto* choose = new QPushButton("Choose folder…");
    choose->setObjectName("chooseDataFolder");
    choose->setToolTip("A folder holding the dataset's files (or its subfolder)");
    connect(choose, &QPushButton::clicked, pick, &QToolButton::click);
    downloadButton_ = new QPushButton("Download");
    downloadButton_->setObjectName("downloadData");
    downloadButton_->setToolTip("Run datasets/download for this dataset (public originals, SHA-256 checked)");
    connect(downloadButton_, &QPushButton::clicked, this, &SetupView::startDownload);
    twinButton_ = new QPushButton("Use the synthetic twin");
    twinButton_->setObjectName("useSyntheticTwin");
    twinButton_->setToolTip("Train on the dataset's documented synthetic twin instead (labelled SYNTHETIC everywhere)");
    connect(twinButton_, &QPushButton::clicked, this, [this] {
        for (auto& f : dataset_.fields)
            if (f.key == "dataset.params.source") f.write(QJsonValue("synthetic"));
        validateNow();
    });
    auto* again = new QPushButton("Check again");
    again->setObjectName("checkDataAgain");
    again->setToolTip("Look for the files again (after copying them by hand)");
    connect(again, &QPushButton::clicked, this, [this] {
        dataCheck_->forget();
        validateNow();
    });
    buttons->addWidget(choose);
    buttons->addWidget(again);
    buttons->addWidget(downloadButton_);
    buttons->addWidget(twinButton_);
    buttons->addStretch();
    dp->addLayout(buttons);
    downloadProgress_ = new QProgressBar;
    downloadProgress_->setObjectName("downloadProgress");
    downloadProgress_->setVisible(false);
    dp->addWidget(downloadProgress_);
    dataPanel_->setVisible(false);
    ex->addRow(dataPanel_);
    v->addWidget(buildPluginSection(dataset_, "Dataset", extra));
    connect(dataset_.plugin, &QComboBox::currentTextChanged, this, &SetupView::scheduleValidate);
    return box;
}

QWidget* SetupView::buildDevices() {
    auto* box = new QGroupBox("Devices and mapping");
    auto* h = new QHBoxLayout(box);
    auto* mapBox = new QWidget;
    mappingForm_ = new QFormLayout(mapBox);  // the schema's "Mapping" rows go here
    h->addWidget(mapBox);
    const QStringList roles = Mapping::roles();
    for (size_t i = 0; i < devices_.size(); ++i) {
        auto* g = buildPluginSection(devices_[i], roleTitle(roles[int(i)]));
        const int idx = devices_[i].plugin->findText(roles[int(i)]);
        if (idx >= 0) devices_[i].plugin->setCurrentIndex(idx);
        h->addWidget(g, 1);
    }
    return box;
}

const PluginSpec* SetupView::record(const PluginSection& s) const {
    return host_.find(PluginKind(s.kind), s.plugin->currentText());
}

void SetupView::rebuildParams(PluginSection& s) {
    const bool wasLoading = loading_;
    loading_ = true;
    const PluginSpec* rec = record(s);
    const QString preset = s.preset->currentText();
    s.preset->clear();
    QStringList presets;
    if (rec) presets = rec->meta.value("presets").toObject().keys();
    s.preset->addItem("");
    s.preset->addItems(presets);
    const int pi = s.preset->findText(preset);
    if (pi >= 0) s.preset->setCurrentIndex(pi);
    else if (rec && rec->meta.contains("default_preset")) s.preset->setCurrentText(rec->meta.value("default_preset").toString());
    else if (!presets.isEmpty() && preset.isEmpty() && s.kind == int(PluginKind::Device)) s.preset->setCurrentIndex(1);
    s.plugin->setToolTip(rec ? QString("<b>%1 %2</b><br>%3<br>%4").arg(rec->name, rec->version, rec->description.toHtmlEscaped(), rec->file)
                             : QString("no plugin of this kind is loaded"));
    while (s.params->rowCount() > 0) s.params->removeRow(0);
    s.fields.clear();
    if (rec) {
        // Widgets show the preset's value; only what the user changes becomes an override.
        QJsonObject presetValues = rec->meta.value("presets").toObject().value(s.preset->currentText()).toObject();
        for (const auto& spec : rec->params) {
            FormField f = makeParamField(spec, s.prefix + ".params." + spec.name);
            if (presetValues.contains(spec.name)) f.write(presetValues.value(spec.name));
            if (s.pendingOverrides.contains(spec.name)) f.write(s.pendingOverrides.value(spec.name));
            if (auto* e = qobject_cast<QLineEdit*>(f.widget)) connect(e, &QLineEdit::textChanged, this, &SetupView::scheduleValidate);
            if (auto* c = qobject_cast<QCheckBox*>(f.widget)) connect(c, &QCheckBox::toggled, this, &SetupView::scheduleValidate);
            if (auto* c = qobject_cast<QComboBox*>(f.widget)) connect(c, &QComboBox::currentTextChanged, this, &SetupView::scheduleValidate);
            auto* label = new QLabel(spec.unit.isEmpty() ? spec.name : QString("%1 [%2]").arg(spec.name, spec.unit));
            label->setToolTip(paramTooltip(spec));
            s.params->addRow(label, f.widget);
            s.fields.push_back(f);
        }
    }
    s.pendingOverrides = {};
    loading_ = wasLoading;
}

void SetupView::applyModelDefaults() {
    const PluginSpec* rec = record(model_);
    if (!rec) return;
    // Model metadata blocks, then the preset's, as resolveExperiment layers them.
    QJsonObject layer;
    for (const char* sec : {"training", "lora", "switching"})
        if (rec->meta.contains(sec)) layer.insert(sec, rec->meta.value(sec));
    const QJsonObject pd = rec->meta.value("preset_defaults").toObject().value(model_.preset->currentText()).toObject();
    for (auto it = pd.begin(); it != pd.end(); ++it) {
        QJsonObject sec = layer.value(it.key()).toObject();
        const QJsonObject over = it.value().toObject();
        for (auto j = over.begin(); j != over.end(); ++j) sec.insert(j.key(), j.value());
        layer.insert(it.key(), sec);
    }
    for (const auto& f : fields_) {
        const QJsonValue v = valueAt(layer, f.key);
        if (!v.isUndefined()) f.write(v);
    }
}

void SetupView::updateBadge() {
    const PluginSpec* rec = record(dataset_);
    const bool problem = data_.state == DataStatus::Missing || data_.state == DataStatus::Failed;
    dataPanel_->setVisible(problem || (download_ && download_->state() != QProcess::NotRunning));
    if (!rec) {
        badge_->setText("<span style='color:#c62828'>no dataset plugin loaded</span>");
        return;
    }
    badge_->setToolTip(rec->meta.value("source").toString(rec->description));
    badge_->setProperty("synthetic", data_.state == DataStatus::Ok && data_.synthetic);
    // REAL or SYNTHETIC only once the plugin has said which (a twin may stand in for missing files);
    // a plugin whose metadata says synthetic reads no files and is known at once.
    if (rec->meta.value("synthetic").toBool()) {
        badge_->setProperty("synthetic", true);
        badge_->setText("<span style='background:#ef6c00;color:white;font-weight:bold'>&nbsp;SYNTHETIC&nbsp;</span> generated data");
    } else if (!errors_.empty() && data_.state == DataStatus::Checking) {
        badge_->setText("<span style='color:gray'>not checked yet: fix the configuration first</span>");
    } else if (data_.state == DataStatus::Checking) {
        badge_->setText("<span style='color:gray'>checking the data…</span>");
    } else if (data_.state == DataStatus::Ok) {
        badge_->setText(data_.synthetic
                            ? "<span style='background:#ef6c00;color:white;font-weight:bold'>&nbsp;SYNTHETIC&nbsp;</span> generated data"
                            : "<span style='background:#2e7d32;color:white;font-weight:bold'>&nbsp;REAL&nbsp;</span> measured data");
    } else {
        badge_->setText(data_.state == DataStatus::Missing
                            ? "<span style='background:#c62828;color:white;font-weight:bold'>&nbsp;MISSING&nbsp;</span> the dataset's files are not on this machine"
                            : "<span style='background:#c62828;color:white;font-weight:bold'>&nbsp;UNREADABLE&nbsp;</span> the dataset's files cannot be read");
    }
    if (!problem) return;
    dataMessage_->setText(data_.message);
    // Offer what exists: the download script with a manifest entry, a twin when the plugin has one.
    bool inManifest = false;
    QFile manifest(resourceFile("datasets/manifest.tsv"));
    if (!resourceFile("datasets/download").isEmpty() && manifest.open(QIODevice::ReadOnly))
        for (const QByteArray& l : manifest.readAll().split('\n'))
            if (l.startsWith(dataset_.plugin->currentText().toUtf8() + '\t')) inManifest = true;
    downloadButton_->setVisible(inManifest);
    bool twin = false;
    for (const auto& spec : rec->params)
        if (spec.name == "source" && spec.choices.contains("synthetic")) twin = true;
    twinButton_->setVisible(twin);
}

void SetupView::startDownload() {
    if (download_ && download_->state() != QProcess::NotRunning) return;
    const QString script = resourceFile("datasets/download"), name = dataset_.plugin->currentText();
    int files = 0;
    QFile manifest(resourceFile("datasets/manifest.tsv"));
    if (manifest.open(QIODevice::ReadOnly))
        for (const QByteArray& l : manifest.readAll().split('\n'))
            if (l.startsWith(name.toUtf8() + '\t')) ++files;
    if (!download_) {
        download_ = new QProcess(this);
        download_->setProcessChannelMode(QProcess::MergedChannels);
        connect(download_, &QProcess::readyRead, this, [this] {
            // One "ok" / "verified" line per file done: the bar counts files.
            while (download_->canReadLine()) {
                const QString l = QString::fromUtf8(download_->readLine()).trimmed();
                if (l.startsWith("ok") || l.startsWith("verified"))
                    downloadProgress_->setValue(std::min(downloadProgress_->maximum(), downloadProgress_->value() + 1));
                downloadProgress_->setFormat(l.left(80) + "  (%v/%m files)");
                dataMessage_->setText(dataMessage_->text().section("\n\n", 0, 0) + "\n\n" + l);
            }
        });
        connect(download_, &QProcess::finished, this, [this](int code, QProcess::ExitStatus st) {
            downloadButton_->setEnabled(true);
            downloadProgress_->setVisible(false);
            if (st != QProcess::NormalExit || code != 0)
                dataMessage_->setText(dataMessage_->text() + QString("\n\ndatasets/download failed (exit %1): see the lines above.").arg(code));
            dataCheck_->forget();  // the files may be there now
            validateNow();
        });
    }
    QStringList args{script, "--only", name};
    if (!dataDir_->text().trimmed().isEmpty()) args << "--dest" << dataDir_->text().trimmed();
    downloadProgress_->setRange(0, std::max(1, files));
    downloadProgress_->setValue(0);
    downloadProgress_->setVisible(true);
    downloadButton_->setEnabled(false);
    download_->start("bash", args);
}

bool SetupView::waitForDataCheck(int timeoutMs) {
    const bool idle = dataCheck_->waitForIdle(timeoutMs);
    QCoreApplication::processEvents();
    return idle;
}

QJsonObject SetupView::pluginParams(const PluginSection& s, QString* badKey, QString* why) const {
    QJsonObject out;
    const PluginSpec* rec = record(s);
    if (!rec) return out;
    const QJsonObject presetValues = rec->meta.value("presets").toObject().value(s.preset->currentText()).toObject();
    for (size_t i = 0; i < s.fields.size() && i < rec->params.size(); ++i) {
        QString w;
        const QJsonValue v = s.fields[i].read(&w);
        if (v.isUndefined()) {
            if (badKey->isEmpty()) { *badKey = s.fields[i].key; *why = w; }
            continue;
        }
        const auto& spec = rec->params[i];
        const QJsonValue base = presetValues.contains(spec.name) ? presetValues.value(spec.name) : spec.defaultValue;
        if (v != base) out.insert(spec.name, v);
    }
    return out;
}

QJsonObject SetupView::experiment() const {
    QJsonObject o = extra_;
    for (const auto& f : fields_) {
        QString why;
        const QJsonValue v = f.read(&why);
        if (!v.isUndefined()) setValueAt(o, f.key, v);
    }
    QString bad, why;
    auto section = [&](const PluginSection& s, const char* nameKey) {
        QJsonObject sec = valueAt(o, s.prefix).toObject();
        sec.insert(nameKey, s.plugin->currentText());
        if (!s.preset->currentText().isEmpty() && &s != &dataset_) sec.insert("preset", s.preset->currentText());
        else sec.remove("preset");
        sec.insert("params", pluginParams(s, &bad, &why));
        return sec;
    };
    o.insert("model", section(model_, "name"));
    QJsonObject ds = section(dataset_, "name");
    ds.insert("data_dir", dataDir_->text().trimmed());
    o.insert("dataset", ds);
    QJsonObject devs = o.value("devices").toObject();
    const QStringList roles = Mapping::roles();
    for (size_t i = 0; i < devices_.size(); ++i) devs.insert(roles[int(i)], section(devices_[i], "plugin"));
    o.insert("devices", devs);
    QJsonObject mapping = o.value("mapping").toObject();
    if (!mapping.contains("overrides")) mapping.insert("overrides", QJsonObject{});
    o.insert("mapping", mapping);
    return o;
}

void SetupView::setExperiment(const QJsonObject& e) {
    loading_ = true;
    auto select = [](QComboBox* c, const QString& t) {
        const int i = c->findText(t);
        if (i >= 0) c->setCurrentIndex(i);
        else if (!t.isEmpty()) {
            c->addItem(t);  // an unknown plugin stays visible so validation can name it
            c->setCurrentIndex(c->count() - 1);
        }
    };
    auto loadSection = [&](PluginSection& s, const QJsonObject& sec, const char* nameKey) {
        if (sec.contains(nameKey)) select(s.plugin, sec.value(nameKey).toString());
        s.preset->clear();
        s.preset->addItem(sec.value("preset").toString());
        s.pendingOverrides = sec.value("params").toObject();
        rebuildParams(s);
        select(s.preset, sec.value("preset").toString());
    };
    loadSection(model_, e.value("model").toObject(), "name");
    applyModelDefaults();
    loadSection(dataset_, e.value("dataset").toObject(), "name");
    dataDir_->setText(e.value("dataset").toObject().value("data_dir").toString());
    const QJsonObject devs = e.value("devices").toObject();
    const QStringList roles = Mapping::roles();
    for (size_t i = 0; i < devices_.size(); ++i)
        if (devs.contains(roles[int(i)])) loadSection(devices_[i], devs.value(roles[int(i)]).toObject(), "plugin");
    for (const auto& f : fields_) {
        const QJsonValue v = valueAt(e, f.key);
        if (!v.isUndefined()) f.write(v);
    }
    // Keep what the form has no widget for, so saving does not lose it.
    extra_ = e;
    for (const auto& f : fields_) {
        removeAt(extra_, f.key.split('.'));
        // A non-object where the form has a section (e.g. "training": 5) is replaced by the form's values.
        const QStringList parts = f.key.split('.');
        for (int i = 1; i < parts.size(); ++i) {
            const QJsonValue v = valueAt(extra_, parts.mid(0, i).join('.'));
            if (!v.isUndefined() && !v.isObject()) removeAt(extra_, parts.mid(0, i));
        }
    }
    for (const char* k : {"model", "dataset", "devices"}) extra_.remove(k);
    updateBadge();
    loading_ = false;
    validateNow();
}

const FormField* SetupView::field(const QString& key) const {
    for (const auto& f : fields_)
        if (f.key == key) return &f;
    return nullptr;
}

QWidget* SetupView::fieldWidget(const QString& key) const {
    for (const auto& f : fields_) if (f.key == key) return f.widget;
    for (const auto* s : {&model_, &dataset_}) {
        for (const auto& f : s->fields) if (f.key == key) return f.widget;
        if (key == s->plugin->objectName()) return s->plugin;
        if (key == s->preset->objectName()) return s->preset;
    }
    for (const auto& s : devices_) {
        for (const auto& f : s.fields) if (f.key == key) return f.widget;
        if (key == s.plugin->objectName() || key == s.prefix) return s.plugin;
        if (key == s.preset->objectName()) return s.preset;
    }
    if (key == "dataset.data_dir") return dataDir_;
    return nullptr;
}

void SetupView::scheduleValidate() {
    if (!loading_) debounce_->start();
}

void SetupView::validateNow() {
    debounce_->stop();
    const bool was = isValid();  // before data_ changes below, so a finished data check is signalled
    std::vector<std::pair<QString, QString>> errs;
    std::vector<FormField> all = fields_;
    for (const auto* s : {&model_, &dataset_}) all.insert(all.end(), s->fields.begin(), s->fields.end());
    for (const auto& s : devices_) all.insert(all.end(), s.fields.begin(), s.fields.end());
    for (const auto& f : all) {
        QString why;
        if (f.read(&why).isUndefined()) errs.push_back({f.key, why});
    }
    // Cross-field rules the single fields cannot see.
    QJsonObject e = experiment();
    const auto rauto = e.value("lora").toObject().value("auto").toObject();
    if (rauto.value("r_min").isDouble() && rauto.value("r_max").isDouble() &&
        rauto.value("r_min").toDouble() > rauto.value("r_max").toDouble())
        errs.push_back({"lora.auto.r_max", "must be ≥ r min"});
    if (model_.plugin->currentText().isEmpty())
        errs.push_back({"model.name", "no model plugin is loaded; check Help ▸ Plugins for rejected files"});
    // Plugin parameters through the same resolver the engine uses (presets, ranges, typos).
    auto checkPlugin = [&](const PluginSection& s, const QString& nameKey) {
        const PluginSpec* rec = record(s);
        if (!rec) {
            if (!s.plugin->currentText().isEmpty())
                errs.push_back({s.prefix + "." + nameKey, QString("plugin '%1' is not loaded; available: %2")
                                                              .arg(s.plugin->currentText(), host_.names(PluginKind(s.kind)).join(", "))});
            return;
        }
        QString bad, why;
        const QJsonObject over = pluginParams(s, &bad, &why);
        try {
            resolveParams(rec->params, rec->meta.value("presets").toObject(), s.preset->currentText(), over,
                          s.prefix + ".params");
        } catch (const Error& err) {
            const QString where = QString::fromStdString(err.where());
            QString msg = QString::fromUtf8(err.what());
            if (msg.startsWith(where + ": ")) msg = msg.mid(where.size() + 2);
            errs.push_back({where, msg});
        }
    };
    checkPlugin(model_, "name");
    checkPlugin(dataset_, "name");
    for (const auto& s : devices_) checkPlugin(s, "plugin");
    // Then the engine's own resolver: everything a run would reject is rejected here, as typed.
    QJsonObject resolved;
    if (errs.empty()) {
        try {
            resolved = resolveExperiment(e, host_);
        } catch (const Error& err) {
            const QString where = QString::fromStdString(err.where());
            QString msg = QString::fromUtf8(err.what());
            if (msg.startsWith(where + ": ")) msg = msg.mid(where.size() + 2);
            errs.push_back({where, msg});
        } catch (const std::exception& err) {
            errs.push_back({QString(), QString::fromUtf8(err.what())});
        }
    }

    // Then the data, as the run would read it (once per dataset, parameters and folder).
    data_ = DataStatus{};
    if (errs.empty()) {
        const QJsonObject d = resolved.value("dataset").toObject();
        data_ = dataCheck_->request(d.value("name").toString(), d.value("params").toObject(), d.value("data_dir").toString());
        if (data_.state == DataStatus::Missing || data_.state == DataStatus::Failed)
            errs.push_back({"dataset.data_dir", data_.message});
    }

    // Mark every field: the reason on the bad ones, clean on the rest.
    for (const auto& f : all) {
        QString why;
        for (const auto& [k, r] : errs) if (k == f.key) { why = r; break; }
        f.setError(why);
    }
    std::vector<QComboBox*> combos{model_.plugin, model_.preset, dataset_.plugin};
    for (const auto& d : devices_) combos.insert(combos.end(), {d.plugin, d.preset});
    for (auto* combo : combos) {
        QString why;
        for (const auto& [k, r] : errs) if (k == combo->objectName()) why = r;
        combo->setStyleSheet(why.isEmpty() ? "" : "border: 2px solid #d32f2f;");
        combo->setProperty("hptWhy", why);
    }
    errors_ = std::move(errs);
    updateBadge();
    message_->setText(message());
    message_->setStyleSheet(isValid() ? "color: #2e7d32" : errors_.empty() ? "color: gray" : "color: #c62828");
    start_->setEnabled(isValid() && !running_);
    if (was != isValid()) emit validityChanged(isValid());
}

QString SetupView::message() const {
    if (errors_.empty() && data_.state == DataStatus::Checking) return "… Configuration is valid; checking that its data can be read.";
    if (errors_.empty()) return "✔ Configuration is valid and its data can be read.";
    QString m = QString("✖ %1: %2").arg(errors_.front().first, errors_.front().second);
    if (errors_.size() > 1) m += QString("  (+%1 more problem%2)").arg(errors_.size() - 1).arg(errors_.size() > 2 ? "s" : "");
    return m;
}

void SetupView::setRunning(bool running) {
    running_ = running;
    start_->setEnabled(isValid() && !running_);
    start_->setText(running ? "Running…" : "Start run");
}

void SetupView::loadFile(const QString& path) {
    setExperiment(loadExperimentFile(path));  // its errors name the file, line and column
    emit fileUsed(QFileInfo(path).absoluteFilePath());
}

void SetupView::saveFile(const QString& path) const {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(QJsonDocument(experiment()).toJson(QJsonDocument::Indented)) < 0 || !f.commit())
        throw configError(path.toStdString(), "cannot write the file; check the folder's permissions");
}

void SetupView::openDialog() {
    QSettings s;
    const QString path = QFileDialog::getOpenFileName(this, "Load experiment", s.value("setup/dir").toString(),
                                                      "Experiment JSON (*.json);;All files (*)");
    if (path.isEmpty()) return;
    s.setValue("setup/dir", QFileInfo(path).absolutePath());
    try {
        loadFile(path);
    } catch (const std::exception& e) {
        QMessageBox::warning(this, "Cannot load experiment", e.what());
    }
}

void SetupView::saveDialog() {
    QSettings s;
    const QString name = experiment().value("name").toString();
    const QString path = QFileDialog::getSaveFileName(
        this, "Save experiment", QDir(s.value("setup/dir").toString()).filePath((name.isEmpty() ? "experiment" : name) + ".json"),
        "Experiment JSON (*.json)");
    if (path.isEmpty()) return;
    s.setValue("setup/dir", QFileInfo(path).absolutePath());
    try {
        saveFile(path);
        emit fileUsed(QFileInfo(path).absoluteFilePath());
    } catch (const std::exception& e) {
        QMessageBox::warning(this, "Cannot save experiment", e.what());
    }
}

}  // namespace hpt::gui
